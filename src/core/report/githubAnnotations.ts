/**
 * GitHub Actions workflow commands (`::error title=…::message`) for hosts that fail the gate, printed
 * when GITHUB_ACTIONS=true so that they show on the run's summary. Escaping follows the runner's
 * toolkit: in the message %, \r and \n are percent-encoded; in a property value also ":" and ",".
 * Host names come off the network, so nothing unescaped can end a command or start a new one.
 */
import { byHostName } from '../hostNames';
import type { HostSummary } from '../diagnosis/hostSummary';
import { failsGate, failureMessage, type FailOn } from './junit';
import { visibleBidiControls } from './textEscaping';

export function escapeData(text: string): string {
  return visibleBidiControls(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function annotation(level: 'error' | 'warning' | 'notice', properties: Readonly<Record<string, string>>, message: string): string {
  const props = Object.entries(properties)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${level}${props ? ` ${props}` : ''}::${escapeData(message)}\n`;
}

/** One `::error` per host that fails the gate; a `::warning` per other breaking host; a `::notice` per known break (`known`: host → why). */
export function githubAnnotations(hosts: readonly HostSummary[], failOn: FailOn, known: ReadonlyMap<string, string> = new Map()): string {
  return [...hosts]
    .sort(byHostName)
    .filter((h) => h.breaks)
    .map((h) => {
      const why = failsGate(h, failOn) ? known.get(h.host) : undefined;
      if (why !== undefined)
        return annotation(
          'notice',
          { title: `Pinscope: ${h.host} breaks under SSL inspection (known: skipped)` },
          `${failureMessage(h)}: not failing, ${why}`,
        );
      const fails = failsGate(h, failOn);
      const title = `Pinscope: ${h.host} ${fails ? (h.pinning === 'likely' || h.confirmed ? 'pins its certificate' : 'breaks under SSL inspection') : 'breaks under SSL inspection (does not fail the gate)'}`;
      return annotation(fails ? 'error' : 'warning', { title }, `${failureMessage(h)}\n${h.evidence.join('\n')}`);
    })
    .join('');
}
