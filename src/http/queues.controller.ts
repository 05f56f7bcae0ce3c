import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, UseInterceptors, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiSecurity, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { CourierError } from '../common/courier-error.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { NAMESPACES } from '../common/namespaces.js';
import { QueueService } from '../queue/queue.service.js';
import { API_ROUTE_ERRORS, ApiErrors } from './api-errors.decorator.js';
import { DeadLetterLimit } from './dead-letter-limit.decorator.js';
import { BatchPublishedDto } from './dto/batch-published.dto.js';
import { DeadLetterDto } from './dto/dead-letter.dto.js';
import { PublishBatchDto } from './dto/publish-batch.dto.js';
import { PublishMessageDto } from '../publishing/publish-message.dto.js';
import { PublishedDto } from './dto/published.dto.js';
import { PurgedDto } from './dto/purged.dto.js';
import { QueueStatsDto } from './dto/queue-stats.dto.js';
import { RedrivenDto } from './dto/redriven.dto.js';
import { IDEMPOTENCY_KEY_HEADER, withIdempotencyKey } from './idempotency-key.js';
import { NamePipe } from './name.pipe.js';
import { NamespacePipe } from './namespace.pipe.js';
import { PublishBodyPipe } from './publish-body.pipe.js';
import { StoreFailureInterceptor } from './store-failure.interceptor.js';

const QUEUE = new NamePipe('queue');

/** Queues of a namespace: publish (one or a batch), stats, dead letters, purge. */
@ApiTags('queues')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiParam({ name: 'ns', enum: NAMESPACES, description: 'Namespace' })
@ApiErrors(...API_ROUTE_ERRORS)
@UseInterceptors(StoreFailureInterceptor)
@UseGuards(ApiKeyGuard)
@Controller('api/namespaces/:ns/queues')
export class QueuesController {
  constructor(private readonly queues: QueueService) {}

  @Post(':queue/messages')
  @ApiOperation({
    summary: 'Publish a message, or a batch of up to 1000 (all stored or none)',
    description: 'Answers 201 once every message is durably stored. The queue is created on first use.',
  })
  @ApiParam({ name: 'queue', description: 'Queue name, `^[A-Za-z0-9._:-]{1,128}$`', example: 'pickup' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same as the body `key` (which wins). In a batch, message i without its own key gets `<Idempotency-Key>#<i>`.',
  })
  @ApiExtraModels(PublishMessageDto, PublishBatchDto, PublishedDto, BatchPublishedDto)
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(PublishMessageDto) }, { $ref: getSchemaPath(PublishBatchDto) }] } })
  @ApiCreatedResponse({ description: '`{ id, duplicate? }` for one message, `{ ids }` for a batch.', schema: { oneOf: [{ $ref: getSchemaPath(PublishedDto) }, { $ref: getSchemaPath(BatchPublishedDto) }] } })
  @ApiErrors(400, 413)
  async publish(
    @Param('ns', NamespacePipe) ns: string,
    @Param('queue', QUEUE) queue: string,
    @Body(PublishBodyPipe) body: PublishMessageDto | PublishBatchDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey?: string,
  ): Promise<PublishedDto | BatchPublishedDto> {
    if (body instanceof PublishBatchDto) {
      const results = await this.queues.publishBatch(ns, queue, withIdempotencyKey(body.messages, idempotencyKey));
      return { ids: results.map((r) => r.id) };
    }
    return PublishedDto.from(await this.queues.publish(ns, queue, withIdempotencyKey([body], idempotencyKey)[0]));
  }

  @Get()
  @ApiOperation({ summary: 'Stats of every queue of the namespace' })
  @ApiOkResponse({ type: [QueueStatsDto] })
  list(@Param('ns', NamespacePipe) ns: string): Promise<QueueStatsDto[]> {
    return this.queues.list(ns);
  }

  @Get(':queue')
  @ApiOperation({ summary: 'Stats of one queue', description: '404 for a queue never used (published to or subscribed).' })
  @ApiParam({ name: 'queue', example: 'pickup' })
  @ApiOkResponse({ type: QueueStatsDto })
  @ApiErrors(400)
  async stats(@Param('ns', NamespacePipe) ns: string, @Param('queue', QUEUE) queue: string): Promise<QueueStatsDto> {
    const stats = await this.queues.stats(ns, queue);
    if (!stats) throw CourierError.notFound(`queue ${queue} does not exist in ${ns}`);
    return stats;
  }

  @Get(':queue/dead-letters')
  @ApiOperation({ summary: 'Dead-lettered messages of a queue, oldest first' })
  @ApiParam({ name: 'queue', example: 'pickup' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiOkResponse({ type: [DeadLetterDto] })
  @ApiErrors(400)
  async deadLetters(
    @Param('ns', NamespacePipe) ns: string,
    @Param('queue', QUEUE) queue: string,
    @DeadLetterLimit() limit: number,
  ): Promise<DeadLetterDto[]> {
    return (await this.queues.deadLetters(ns, queue, limit)).map((d) => DeadLetterDto.from(d));
  }

  @Post(':queue/dead-letters/redrive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Every dead letter of the queue back to ready, at attempt 1' })
  @ApiParam({ name: 'queue', example: 'pickup' })
  @ApiOkResponse({ type: RedrivenDto })
  @ApiErrors(400)
  async redrive(@Param('ns', NamespacePipe) ns: string, @Param('queue', QUEUE) queue: string): Promise<RedrivenDto> {
    return { redriven: await this.queues.redrive(ns, queue) };
  }

  @Delete(':queue/messages')
  @ApiOperation({ summary: 'Remove the ready messages of a queue', description: 'In-flight, delayed and dead-lettered messages stay.' })
  @ApiParam({ name: 'queue', example: 'pickup' })
  @ApiOkResponse({ type: PurgedDto })
  @ApiErrors(400)
  async purge(@Param('ns', NamespacePipe) ns: string, @Param('queue', QUEUE) queue: string): Promise<PurgedDto> {
    return { purged: await this.queues.purge(ns, queue) };
  }
}
