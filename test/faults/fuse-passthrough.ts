/**
 * A minimal FUSE file system, run as its own process by SwitchableFs (switchable-fs.ts): it mounts itself on
 * `mountPoint` and passes every call through to the files under `backingDir`, except that while the file
 * `readOnlyFlag` exists every call that would change something fails with EROFS, as on a file system the
 * kernel made read-only. Linux refuses `mount -o remount,ro` while a process holds a file open for writing
 * (SQLite always does), so this is how a server can watch its disk turn read-only under it and come back.
 *
 *   node fuse-passthrough.js <mountPoint> <backingDir> <readOnlyFlag>
 *
 * Prints `READY` once mounted. Requests are answered one at a time, synchronously: the kernel queues the
 * rest. Only what a SQLite database in WAL mode needs is implemented; the rest answers ENOSYS, which the
 * kernel remembers and handles itself (locks stay local, xattrs and access checks are skipped).
 * Protocol: include/uapi/linux/fuse.h (7.28 is spoken; the kernel adapts to it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

const OP = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  CREATE: 35,
  INTERRUPT: 36,
  DESTROY: 38,
  BATCH_FORGET: 42,
  RENAME2: 45,
} as const;

const FATTR = { MODE: 1, UID: 2, GID: 4, SIZE: 8, ATIME: 16, MTIME: 32, FH: 64, ATIME_NOW: 128, MTIME_NOW: 256 };
const FUSE_BIG_WRITES = 1 << 5;
const GETATTR_FH = 1;
const MAX_WRITE = 128 * 1024;
const IN_HEADER = 40;
const E = constants.errno;

class FsError extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

/** The errno of a failed fs call (Node's `code` names it), EIO when it has none. */
function errnoOf(error: unknown): number {
  if (error instanceof FsError) return error.errno;
  const code = (error as NodeJS.ErrnoException).code;
  return (code && (E as Record<string, number>)[code]) || E.EIO;
}

function cString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  return [buf.toString('utf8', at, end), end + 1];
}

/** struct fuse_attr (88 bytes). */
function attr(st: fs.Stats): Buffer {
  const b = Buffer.alloc(88);
  const sec = (ms: number) => BigInt(Math.floor(ms / 1000));
  const nsec = (ms: number) => Math.floor((ms % 1000) * 1e6);
  b.writeBigUInt64LE(BigInt(st.ino), 0);
  b.writeBigUInt64LE(BigInt(st.size), 8);
  b.writeBigUInt64LE(BigInt(st.blocks), 16);
  b.writeBigUInt64LE(sec(st.atimeMs), 24);
  b.writeBigUInt64LE(sec(st.mtimeMs), 32);
  b.writeBigUInt64LE(sec(st.ctimeMs), 40);
  b.writeUInt32LE(nsec(st.atimeMs), 48);
  b.writeUInt32LE(nsec(st.mtimeMs), 52);
  b.writeUInt32LE(nsec(st.ctimeMs), 56);
  b.writeUInt32LE(st.mode, 60);
  b.writeUInt32LE(st.nlink, 64);
  b.writeUInt32LE(st.uid, 68);
  b.writeUInt32LE(st.gid, 72);
  b.writeUInt32LE(st.rdev, 76);
  b.writeUInt32LE(st.blksize, 80);
  return b;
}

/** struct fuse_attr_out; attributes are never cached, so a switch to read-only is seen at once. */
function attrOut(st: fs.Stats): Buffer {
  return Buffer.concat([Buffer.alloc(16), attr(st)]);
}

function openOut(fh: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(fh), 0);
  return b;
}

export class PassthroughFs {
  /** nodeid → path relative to the backing dir ('' is the root, nodeid 1). */
  private readonly paths = new Map<bigint, string>([[1n, '']]);
  private readonly ids = new Map<string, bigint>([['', 1n]]);
  private nextId = 2n;

  constructor(
    private readonly backingDir: string,
    private readonly readOnlyFlag: string,
  ) {}

  /** Answers one request: the reply body, or null for the requests the kernel expects no answer to. */
  handle(opcode: number, nodeid: bigint, body: Buffer): Buffer | null {
    switch (opcode) {
      case OP.INIT: {
        const out = Buffer.alloc(64);
        out.writeUInt32LE(7, 0);
        out.writeUInt32LE(28, 4);
        out.writeUInt32LE(body.readUInt32LE(8), 8); // max_readahead: what the kernel offered
        out.writeUInt32LE(FUSE_BIG_WRITES, 12);
        out.writeUInt16LE(16, 16);
        out.writeUInt16LE(12, 18);
        out.writeUInt32LE(MAX_WRITE, 20);
        out.writeUInt32LE(1, 24);
        return out;
      }
      case OP.FORGET:
      case OP.BATCH_FORGET:
      case OP.INTERRUPT:
        return null;
      case OP.DESTROY:
        return Buffer.alloc(0);
      case OP.LOOKUP: {
        const [name] = cString(body, 0);
        return this.entry(this.child(nodeid, name));
      }
      case OP.GETATTR: {
        const fh = body.readUInt32LE(0) & GETATTR_FH ? Number(body.readBigUInt64LE(8)) : -1;
        return attrOut(fh >= 0 ? fs.fstatSync(fh) : fs.lstatSync(this.real(nodeid)));
      }
      case OP.SETATTR:
        return this.setattr(nodeid, body);
      case OP.OPEN: {
        const flags = body.readUInt32LE(0);
        if ((flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0) this.writable();
        // O_APPEND would make the backing pwrite ignore the offsets the kernel sends.
        return openOut(fs.openSync(this.real(nodeid), flags & ~(fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_EXCL)));
      }
      case OP.CREATE: {
        this.writable();
        const flags = body.readUInt32LE(0);
        const mode = body.readUInt32LE(4) & ~body.readUInt32LE(8);
        const [name] = cString(body, 16);
        const path = this.child(nodeid, name);
        const fh = fs.openSync(join(this.backingDir, path), (flags & ~fs.constants.O_APPEND) | fs.constants.O_CREAT, mode & 0o7777);
        return Buffer.concat([this.entry(path), openOut(fh)]);
      }
      case OP.READ: {
        const fh = Number(body.readBigUInt64LE(0));
        const position = Number(body.readBigUInt64LE(8));
        const data = Buffer.alloc(body.readUInt32LE(16));
        const n = fs.readSync(fh, data, 0, data.length, position);
        return data.subarray(0, n);
      }
      case OP.WRITE: {
        this.writable();
        const fh = Number(body.readBigUInt64LE(0));
        const position = Number(body.readBigUInt64LE(8));
        const size = body.readUInt32LE(16);
        const n = fs.writeSync(fh, body, 40, size, position);
        const out = Buffer.alloc(8);
        out.writeUInt32LE(n, 0);
        return out;
      }
      case OP.FLUSH:
      case OP.FSYNCDIR:
        return Buffer.alloc(0);
      case OP.FSYNC:
        // Nothing is left unwritten (writes went straight through); a read-only disk fsyncs clean files fine.
        if (!this.readOnly()) fs.fsyncSync(Number(body.readBigUInt64LE(0)));
        return Buffer.alloc(0);
      case OP.RELEASE:
        fs.closeSync(Number(body.readBigUInt64LE(0)));
        return Buffer.alloc(0);
      case OP.OPENDIR:
        return openOut(0);
      case OP.READDIR:
        return this.readdir(nodeid, Number(body.readBigUInt64LE(8)), body.readUInt32LE(16));
      case OP.RELEASEDIR:
        return Buffer.alloc(0);
      case OP.MKDIR: {
        this.writable();
        const mode = body.readUInt32LE(0) & ~body.readUInt32LE(4);
        const [name] = cString(body, 8);
        const path = this.child(nodeid, name);
        fs.mkdirSync(join(this.backingDir, path), mode & 0o7777);
        return this.entry(path);
      }
      case OP.UNLINK:
      case OP.RMDIR: {
        this.writable();
        const [name] = cString(body, 0);
        const path = this.child(nodeid, name);
        if (opcode === OP.UNLINK) fs.unlinkSync(join(this.backingDir, path));
        else fs.rmdirSync(join(this.backingDir, path));
        // A file made again under this name is a new inode: it gets a new nodeid.
        this.ids.delete(path);
        return Buffer.alloc(0);
      }
      case OP.RENAME:
      case OP.RENAME2: {
        this.writable();
        const newDir = body.readBigUInt64LE(0);
        const at = opcode === OP.RENAME ? 8 : 16;
        if (opcode === OP.RENAME2 && body.readUInt32LE(8) !== 0) throw new FsError(E.EINVAL);
        const [from, next] = cString(body, at);
        const [to] = cString(body, next);
        const oldPath = this.child(nodeid, from);
        const newPath = this.child(newDir, to);
        fs.renameSync(join(this.backingDir, oldPath), join(this.backingDir, newPath));
        const id = this.ids.get(oldPath);
        this.ids.delete(oldPath);
        if (id !== undefined) {
          this.ids.set(newPath, id);
          this.paths.set(id, newPath);
        }
        return Buffer.alloc(0);
      }
      case OP.STATFS: {
        const s = fs.statfsSync(this.backingDir);
        const out = Buffer.alloc(80);
        out.writeBigUInt64LE(BigInt(s.blocks), 0);
        out.writeBigUInt64LE(BigInt(s.bfree), 8);
        out.writeBigUInt64LE(BigInt(s.bavail), 16);
        out.writeBigUInt64LE(BigInt(s.files), 24);
        out.writeBigUInt64LE(BigInt(s.ffree), 32);
        out.writeUInt32LE(s.bsize, 40);
        out.writeUInt32LE(255, 44);
        out.writeUInt32LE(s.bsize, 48);
        return out;
      }
      default:
        throw new FsError(E.ENOSYS);
    }
  }

  private setattr(nodeid: bigint, body: Buffer): Buffer {
    this.writable();
    const valid = body.readUInt32LE(0);
    const fh = valid & FATTR.FH ? Number(body.readBigUInt64LE(8)) : -1;
    const path = this.real(nodeid);
    if (valid & FATTR.SIZE) {
      const size = Number(body.readBigUInt64LE(16));
      if (fh >= 0) fs.ftruncateSync(fh, size);
      else fs.truncateSync(path, size);
    }
    if (valid & FATTR.MODE) fs.chmodSync(path, body.readUInt32LE(68) & 0o7777);
    if (valid & (FATTR.UID | FATTR.GID)) {
      const st = fs.lstatSync(path);
      fs.chownSync(path, valid & FATTR.UID ? body.readUInt32LE(76) : st.uid, valid & FATTR.GID ? body.readUInt32LE(80) : st.gid);
    }
    if (valid & (FATTR.ATIME | FATTR.MTIME)) {
      const st = fs.lstatSync(path);
      const now = Date.now() / 1000;
      const time = (flag: number, nowFlag: number, at: number, nsAt: number, current: number) =>
        valid & nowFlag ? now : valid & flag ? Number(body.readBigUInt64LE(at)) + body.readUInt32LE(nsAt) / 1e9 : current / 1000;
      fs.utimesSync(path, time(FATTR.ATIME, FATTR.ATIME_NOW, 32, 56, st.atimeMs), time(FATTR.MTIME, FATTR.MTIME_NOW, 40, 60, st.mtimeMs));
    }
    return attrOut(fh >= 0 ? fs.fstatSync(fh) : fs.lstatSync(path));
  }

  /** struct fuse_dirent entries from index `offset` on, as many as fit in `size` bytes (for ls when debugging). */
  private readdir(nodeid: bigint, offset: number, size: number): Buffer {
    const names = ['.', '..', ...fs.readdirSync(this.real(nodeid))];
    const parts: Buffer[] = [];
    let used = 0;
    for (let i = offset; i < names.length; i++) {
      const name = Buffer.from(names[i]);
      const entry = Buffer.alloc(24 + Math.ceil(name.length / 8) * 8);
      if (used + entry.length > size) break;
      entry.writeBigUInt64LE(BigInt(i + 1), 0); // an inode number of 0 hides the entry: any other will do
      entry.writeBigUInt64LE(BigInt(i + 1), 8);
      entry.writeUInt32LE(name.length, 16);
      name.copy(entry, 24);
      parts.push(entry);
      used += entry.length;
    }
    return Buffer.concat(parts);
  }

  private readOnly(): boolean {
    return fs.existsSync(this.readOnlyFlag);
  }

  private writable(): void {
    if (this.readOnly()) throw new FsError(E.EROFS);
  }

  private real(nodeid: bigint): string {
    const path = this.paths.get(nodeid);
    if (path === undefined) throw new FsError(E.ENOENT);
    return join(this.backingDir, path);
  }

  private child(parent: bigint, name: string): string {
    const dir = this.paths.get(parent);
    if (dir === undefined) throw new FsError(E.ENOENT);
    return dir === '' ? name : `${dir}/${name}`;
  }

  /** struct fuse_entry_out for `path` (throws ENOENT when it does not exist), never cached either. */
  private entry(path: string): Buffer {
    const st = fs.lstatSync(join(this.backingDir, path));
    let id = this.ids.get(path);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(path, id);
      this.paths.set(id, path);
    }
    const head = Buffer.alloc(40);
    head.writeBigUInt64LE(id, 0);
    return Buffer.concat([head, attr(st)]);
  }
}

/** Mounts on `mountPoint` and serves requests until the file system is unmounted. */
export function serve(mountPoint: string, backingDir: string, readOnlyFlag: string): void {
  const fd = fs.openSync('/dev/fuse', 'r+');
  const mounted = spawnSync('mount', ['-i', '-t', 'fuse', '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0,default_permissions', 'courier-fault', mountPoint], {
    stdio: ['ignore', 'inherit', 'inherit', fd],
  });
  if (mounted.status !== 0) throw new Error(`mount -t fuse on ${mountPoint} failed (${mounted.status})`);
  process.stdout.write('READY\n');
  const fsys = new PassthroughFs(backingDir, readOnlyFlag);
  const buf = Buffer.alloc(IN_HEADER + 80 + MAX_WRITE + 4096);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EINTR' || code === 'EAGAIN' || code === 'ENOENT') continue; // ENOENT: an interrupted request
      if (code === 'ENODEV') return; // unmounted
      throw error;
    }
    const len = buf.readUInt32LE(0);
    const opcode = buf.readUInt32LE(4);
    const unique = buf.readBigUInt64LE(8);
    const nodeid = buf.readBigUInt64LE(16);
    const body = buf.subarray(IN_HEADER, Math.min(len, n));
    let reply: Buffer | null;
    let errno = 0;
    try {
      reply = fsys.handle(opcode, nodeid, body);
    } catch (error) {
      errno = errnoOf(error);
      reply = Buffer.alloc(0);
    }
    if (reply === null) continue;
    const out = Buffer.alloc(16 + (errno ? 0 : reply.length));
    out.writeUInt32LE(out.length, 0);
    out.writeInt32LE(-errno, 4);
    out.writeBigUInt64LE(unique, 8);
    if (!errno) reply.copy(out, 16);
    try {
      fs.writeSync(fd, out);
    } catch (error) {
      // ENOENT: the request was interrupted and is gone; nothing else to do with the answer.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (opcode === OP.DESTROY) return;
  }
}

// Run as a script (by SwitchableFs), never when imported.
if (/fuse-passthrough\.m?js$/.test(process.argv[1] ?? '')) {
  const [mountPoint, backingDir, readOnlyFlag] = process.argv.slice(2);
  serve(mountPoint, backingDir, readOnlyFlag);
}
