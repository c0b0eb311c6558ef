/**
 * Microsoft Entra Internet Access (Graph beta): a TLS inspection policy rule with action "bypass" whose
 * destinations are one tlsInspectionFqdnDestination listing `D` and `*.D` (the wildcard does not cover D).
 */
import { json, noProblems, safeName, type VendorFormat } from './vendorFormat';

export const ENTRA_FORMATS: readonly VendorFormat[] = [
  {
    id: 'entra',
    product: 'microsoft-entra',
    title: 'Microsoft Entra Internet Access: TLS inspection bypass rule (Graph beta JSON)',
    language: 'json',
    extension: 'json',
    render: (entries, context) =>
      json(
        {
          _comment:
            'Add as a rule of your TLS inspection policy: POST https://graph.microsoft.com/beta/networkAccess/tlsInspectionPolicies/<POLICY_ID>/policyRules (remove this _comment field first).',
          '@odata.type': '#microsoft.graph.networkaccess.tlsInspectionRule',
          name: safeName(context.name, 128),
          priority: 100,
          description: safeName(`Certificate-pinned hosts of ${context.appName}`, 255),
          action: 'bypass',
          settings: { status: 'enabled' },
          matchingConditions: {
            destinations: [
              {
                '@odata.type': '#microsoft.graph.networkaccess.tlsInspectionFqdnDestination',
                values: entries.flatMap((e) => (e.kind === 'domain' ? [e.value, `*.${e.value}`] : [e.value])),
              },
            ],
          },
        },
        context,
      ),
    check: noProblems,
  },
];
