import { Injectable, PipeTransform } from '@nestjs/common';
import { CourierError } from '../common/courier-error.js';
import { isNamespace, Namespace } from '../common/namespaces.js';

/** `:ns` must be a namespace this build serves; any other is unknown (404, contract §2). */
@Injectable()
export class NamespacePipe implements PipeTransform<string, Namespace> {
  transform(value: string): Namespace {
    if (!isNamespace(value)) throw CourierError.notFound(`unknown namespace ${value}`);
    return value;
  }
}
