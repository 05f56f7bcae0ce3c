import { AckDto } from './ack.dto.js';

describe(AckDto.name, () => {
  describe('accept', () => {
    it('takes the common shapes without class-validator', () => {
      expect(AckDto.accept({ id: 'm-1', clientId: 'ignored' })).toEqual(Object.assign(new AckDto(), { id: 'm-1' }));
      expect(AckDto.accept({ ids: ['a', 'b'] })?.ids).toEqual(['a', 'b']);
    });

    it('leaves everything else to class-validator', () => {
      for (const value of [null, 'm-1', {}, { id: '' }, { id: 7 }, { ids: [] }, { ids: ['a', 3] }, { id: 'a', ids: ['b'] }, { messageId: 'm-1' }, { id: 'x'.repeat(257) }]) {
        expect(AckDto.accept(value)).toBeNull();
      }
    });
  });
});
