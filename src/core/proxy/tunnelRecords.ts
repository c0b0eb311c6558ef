/**
 * What a tunnelled client's bytes say without decrypting them: the TLS record headers show when the
 * client sends its first application data, i.e. when it accepted the server's certificate and finished
 * its handshake. Counting raw bytes cannot: the ClientHello and an encrypted alert are bytes too.
 *
 * - TLS 1.2: the client's Finished is a handshake record (22) after its ChangeCipherSpec (20); its first
 *   application-data record (23) is application data.
 * - TLS 1.3: the client's Finished is itself an application-data record (23), and so is an alert that
 *   rejects the server's certificate; only a later application-data record, longer than an encrypted
 *   alert, is application data.
 * - Not TLS (the first byte is not a handshake record): the first byte is data.
 */
const CHANGE_CIPHER_SPEC = 20;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;
const HEADER = 5;
/** An encrypted alert: 2 bytes, its content type, a 16-byte AEAD tag. */
const ENCRYPTED_ALERT = 19;
/**
 * TLS 1.2's encrypted Finished is at most this long (12 bytes of verify data and its header, with an
 * explicit IV, a MAC or tag and padding: 32–80 bytes); a longer handshake record after a ChangeCipherSpec
 * is TLS 1.3's second ClientHello, after a HelloRetryRequest.
 */
const TLS12_FINISHED_MAX = 96;

/** Fed the client's bytes in order; answers true from the chunk that carries its first application data. */
export class ClientRecordScanner {
  private header = Buffer.alloc(0);
  private remaining = 0;
  private sawChangeCipherSpec = false;
  private version: '1.2' | '1.3' | undefined;
  private encryptedRecords = 0;
  private found = false;
  private started = false;

  /** True once the client has sent application data (this chunk or an earlier one). */
  feed(chunk: Buffer): boolean {
    if (this.found) return true;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk[0] !== HANDSHAKE) return (this.found = true);
    }
    let offset = 0;
    while (offset < chunk.length && !this.found) {
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, chunk.length - offset);
        this.remaining -= skip;
        offset += skip;
        continue;
      }
      const take = Math.min(HEADER - this.header.length, chunk.length - offset);
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (this.header.length < HEADER) break;
      const type = this.header[0] ?? 0;
      const length = this.header.readUInt16BE(3);
      this.header = Buffer.alloc(0);
      this.remaining = length;
      this.found = this.isApplicationData(type, length);
    }
    return this.found;
  }

  private isApplicationData(type: number, length: number): boolean {
    if (type === CHANGE_CIPHER_SPEC) {
      this.sawChangeCipherSpec = true;
      return false;
    }
    if (type === HANDSHAKE) {
      // A short handshake record after the ChangeCipherSpec is TLS 1.2's encrypted Finished.
      if (this.sawChangeCipherSpec && length <= TLS12_FINISHED_MAX) this.version ??= '1.2';
      return false;
    }
    if (type !== APPLICATION_DATA) return false;
    if (this.version === '1.2') return true;
    this.version = '1.3';
    this.encryptedRecords += 1;
    return this.encryptedRecords > 1 && length > ENCRYPTED_ALERT;
  }
}
