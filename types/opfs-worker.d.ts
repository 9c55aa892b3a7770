/**
 * Dedicated-worker APIs the browser code uses, missing from TypeScript's DOM library (the
 * workers are checked with it): synchronous Blob reads and OPFS sync access handles.
 */
declare class FileReaderSync {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

interface FileSystemReadWriteOptions {
  at?: number;
}

interface FileSystemSyncAccessHandle {
  read(buffer: ArrayBufferView | ArrayBuffer, options?: FileSystemReadWriteOptions): number;
  write(buffer: ArrayBufferView | ArrayBuffer, options?: FileSystemReadWriteOptions): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

interface FileSystemFileHandle {
  createSyncAccessHandle(): Promise<FileSystemSyncAccessHandle>;
}
