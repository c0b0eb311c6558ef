/**
 * node-forge, the part Pinscope uses: X.509 certificates with their ASN.1, PEM and RSA public keys
 * (lib/x509 loads exactly that). node-forge's index loads the whole library — TLS, PKCS#7 and #12, SSH,
 * ciphers, HTTP — which made the bundle a quarter larger and start-up slower.
 */
import 'node-forge/lib/x509';

export { default as forge } from 'node-forge/lib/forge';
