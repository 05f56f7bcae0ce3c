import { Global, Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { DepthMonitor } from './depth-monitor.js';

@Global()
@Module({ imports: [QueueModule], providers: [DepthMonitor], exports: [DepthMonitor] })
export class AlarmsModule {}
