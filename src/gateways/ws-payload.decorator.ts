import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The `data` WsValidationPipe recognises the payload parameter by. */
export const WS_PAYLOAD = 'ws-payload';

/**
 * The event's payload, like `@MessageBody()`, validated by WsValidationPipe against the parameter's DTO.
 * It is a custom parameter on purpose: Nest hands global pipes the arguments of gateways too, with the
 * same `'body'` type as an HTTP body, and a custom parameter is one that HTTP validation leaves alone.
 */
export const WsPayload = (): ParameterDecorator => payloadDecorator(WS_PAYLOAD);

const payloadDecorator = createParamDecorator((_data: unknown, ctx: ExecutionContext): unknown => ctx.switchToWs().getData());
