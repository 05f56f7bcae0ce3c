import { Controller, Get, UseInterceptors, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { AuthService } from '../auth/auth.service.js';
import { RequestApiKey } from '../auth/request-api-key.js';
import { NAMESPACES } from '../common/namespaces.js';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { QueueService } from '../queue/queue.service.js';
import { RoomService } from '../rooms/room.service.js';
import { ApiErrors } from './api-errors.decorator.js';
import { NamespaceInfoDto } from './dto/namespace-info.dto.js';
import { StoreFailureInterceptor } from './store-failure.interceptor.js';

/** The namespaces this build serves, with what each holds now. */
@ApiTags('namespaces')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(401, 429, 503)
@UseInterceptors(StoreFailureInterceptor)
@UseGuards(ApiKeyGuard)
@Controller('api/namespaces')
export class NamespacesController {
  constructor(
    private readonly queues: QueueService,
    private readonly rooms: RoomService,
    private readonly auth: AuthService,
    private readonly connections: ConnectionRegistry,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every namespace the caller\'s key may use, with its queue and room counts and connected sockets' })
  @ApiOkResponse({ type: [NamespaceInfoDto] })
  list(@RequestApiKey() key: string | undefined): Promise<NamespaceInfoDto[]> {
    return Promise.all(this.auth.visibleNamespaces(key, NAMESPACES).map((name) => this.describe(name)));
  }

  private async describe(name: string): Promise<NamespaceInfoDto> {
    const [queues, rooms, connections] = await Promise.all([this.queues.list(name), this.rooms.list(name), this.connections.total(name)]);
    return { name, queues: queues.length, rooms: rooms.length, connections };
  }
}
