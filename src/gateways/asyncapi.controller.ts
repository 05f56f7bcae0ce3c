import { Controller, Get, Header } from '@nestjs/common';
import { readFile } from 'node:fs/promises';

/** docs/asyncapi.yaml, found from this file in src/ (ts) and in dist/ (built) alike. */
export const ASYNCAPI_FILE = new URL('../../docs/asyncapi.yaml', import.meta.url);

/** Serves the AsyncAPI 3.0 document of the Socket.IO protocol (contract §4, `GET /docs/asyncapi`), as YAML. */
@Controller('docs')
export class AsyncApiController {
  private document: Promise<string> | null = null;

  @Get('asyncapi')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  asyncapi(): Promise<string> {
    this.document ??= readFile(ASYNCAPI_FILE, 'utf8');
    return this.document;
  }
}
