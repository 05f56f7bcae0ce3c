import { Global, Module } from '@nestjs/common';
import { Clock } from './clock.js';
import { NodeId } from './node-id.js';

@Global()
@Module({ providers: [Clock, NodeId], exports: [Clock, NodeId] })
export class CommonModule {}
