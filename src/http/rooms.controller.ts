import { Body, Controller, Get, Headers, HttpCode, Param, Post, UseInterceptors, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { NAMESPACES } from '../common/namespaces.js';
import { RoomService } from '../rooms/room.service.js';
import { API_ROUTE_ERRORS, ApiErrors } from './api-errors.decorator.js';
import { DeadLetterLimit } from './dead-letter-limit.decorator.js';
import { PublishMessageDto } from '../publishing/publish-message.dto.js';
import { RedrivenDto } from './dto/redriven.dto.js';
import { RoomDeadLetterDto } from './dto/room-dead-letter.dto.js';
import { RoomInfoDto } from './dto/room-info.dto.js';
import { RoomPublishedDto } from './dto/room-published.dto.js';
import { IDEMPOTENCY_KEY_HEADER, withIdempotencyKey } from './idempotency-key.js';
import { NamePipe } from './name.pipe.js';
import { NamespacePipe } from './namespace.pipe.js';
import { StoreFailureInterceptor } from './store-failure.interceptor.js';

const ROOM = new NamePipe('room');

/** Rooms of a namespace: broadcast publish, the room list, dead-lettered member copies. */
@ApiTags('rooms')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiParam({ name: 'ns', enum: NAMESPACES, description: 'Namespace' })
@ApiErrors(...API_ROUTE_ERRORS)
@UseInterceptors(StoreFailureInterceptor)
@UseGuards(ApiKeyGuard)
@Controller('api/namespaces/:ns/rooms')
export class RoomsController {
  constructor(private readonly rooms: RoomService) {}

  @Post(':room/messages')
  @ApiOperation({
    summary: 'Publish to every member of a room',
    description: 'Each durable member (client id) gets its own stored copy, kept until it acks; anonymous sockets in the room get it while connected.',
  })
  @ApiParam({ name: 'room', description: 'Room name, `^[A-Za-z0-9._:-]{1,128}$`', example: 'acme-widgets' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same as the body `key` (which wins).' })
  @ApiCreatedResponse({ type: RoomPublishedDto })
  @ApiErrors(400, 413)
  async publish(
    @Param('ns', NamespacePipe) ns: string,
    @Param('room', ROOM) room: string,
    @Body() body: PublishMessageDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey?: string,
  ): Promise<RoomPublishedDto> {
    return RoomPublishedDto.from(await this.rooms.publish(ns, room, withIdempotencyKey([body], idempotencyKey)[0]));
  }

  @Get()
  @ApiOperation({ summary: 'Rooms of the namespace with their connected sockets and durable members' })
  @ApiOkResponse({ type: [RoomInfoDto] })
  list(@Param('ns', NamespacePipe) ns: string): Promise<RoomInfoDto[]> {
    return this.rooms.list(ns);
  }

  @Get(':room/dead-letters')
  @ApiOperation({ summary: 'Dead-lettered member copies of a room, oldest first' })
  @ApiParam({ name: 'room', example: 'acme-widgets' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiOkResponse({ type: [RoomDeadLetterDto] })
  @ApiErrors(400)
  async deadLetters(
    @Param('ns', NamespacePipe) ns: string,
    @Param('room', ROOM) room: string,
    @DeadLetterLimit() limit: number,
  ): Promise<RoomDeadLetterDto[]> {
    return (await this.rooms.deadLetters(ns, room, limit)).map((d) => RoomDeadLetterDto.from(d));
  }

  @Post(':room/dead-letters/redrive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Every dead-lettered copy back to its client id (even one that has left the room), at attempt 1' })
  @ApiParam({ name: 'room', example: 'acme-widgets' })
  @ApiOkResponse({ type: RedrivenDto })
  @ApiErrors(400)
  async redrive(@Param('ns', NamespacePipe) ns: string, @Param('room', ROOM) room: string): Promise<RedrivenDto> {
    return { redriven: await this.rooms.redrive(ns, room) };
  }
}
