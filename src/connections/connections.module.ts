import { Module } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry.js';

@Module({ providers: [ConnectionRegistry], exports: [ConnectionRegistry] })
export class ConnectionsModule {}
