/** Short, correct instructions for trusting the Pinscope CA where app developers need it. */

export function trustInstructions({ certPath, der, fingerprint256 }: { certPath: string; der: boolean; fingerprint256: string }): string {
  const pem = der ? certPath.replace(/\.(cer|der|crt)$/i, '.pem') : certPath;
  const convert = der ? `\nThis file is DER. For PEM: \`openssl x509 -inform der -in "${certPath}" -out "${pem}"\`\n` : '';
  return `# Trusting the Pinscope CA

Certificate: \`${certPath}\`
SHA-256 fingerprint: \`${fingerprint256}\`
${convert}
Trust it only on machines and devices you test with. Its key never leaves this machine; remove the
trust when you are done.

## Operating system
- **macOS**: \`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${certPath}"\`
- **Windows** (admin PowerShell): \`Import-Certificate -FilePath "${certPath}" -CertStoreLocation Cert:\\LocalMachine\\Root\`
- **Debian/Ubuntu**: \`sudo cp "${pem}" /usr/local/share/ca-certificates/pinscope-ca.crt && sudo update-ca-certificates\`
- **Fedora/RHEL**: \`sudo cp "${pem}" /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust\`

## Node.js
\`export NODE_EXTRA_CA_CERTS="${pem}"\` (read at start-up; adds to the built-in roots)

## Python
- requests: \`export REQUESTS_CA_BUNDLE="${pem}"\`; the ssl module and httpx: \`export SSL_CERT_FILE="${pem}"\`
- These replace the default bundle for that process: to keep public roots too, concatenate
  \`python -m certifi\`'s file and the Pinscope PEM into one bundle.

## Java
\`keytool -importcert -noprompt -alias pinscope -file "${certPath}" -cacerts -storepass changeit\`
(or a separate store: \`-keystore pinscope.jks\`, then \`-Djavax.net.ssl.trustStore=pinscope.jks\`)

## Android (emulator or device)
1. \`adb push "${pem}" /sdcard/Download/pinscope-ca.crt\`, then Settings → Security → Encryption & credentials →
   Install a certificate → CA certificate.
2. Apps targeting API 24+ ignore user CAs unless they opt in. For a debug build, add
   \`res/xml/network_security_config.xml\`:
\`\`\`xml
<network-security-config>
  <debug-overrides>
    <trust-anchors>
      <certificates src="user" />
    </trust-anchors>
  </debug-overrides>
</network-security-config>
\`\`\`
   and \`android:networkSecurityConfig="@xml/network_security_config"\` on \`<application>\`. Pins declared in
   \`<pin-set>\` still apply — which is exactly what Pinscope shows you.

## iOS Simulator
\`xcrun simctl keychain booted add-root-cert "${pem}"\`
`;
}
