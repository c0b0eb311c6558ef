/**
 * The cloud-application route: where requested hosts belong to a cloud application the vendor knows by
 * name (a Zscaler cloud app, a Netskope app, a PAN-OS App-ID), the request says so beside the URL-category
 * entries, from a dated, sourced data file (data/cloudApplications.json). Where no public mapping was
 * found for the vendor, the request says that rather than guess.
 */
import data from '../data/cloudApplications.json';
import { vendorTitle } from '../knownBypasses';
import type { Product } from './vendorFormat';

interface CloudApplicationRoute {
  readonly vendor: string;
  readonly name: string;
  readonly how: string;
  readonly source: string;
  readonly retrieved: string;
}

interface CloudApplication {
  readonly id: string;
  readonly name: string;
  readonly hosts: readonly string[];
  readonly hostsSource: string;
  readonly hostsRetrieved: string;
  readonly routes: readonly CloudApplicationRoute[];
}

interface CloudApplicationFile {
  readonly applications: readonly CloudApplication[];
  readonly noPublicMapping: readonly { readonly vendor: string; readonly what: string; readonly searched: string }[];
}

const FILE: CloudApplicationFile = data;

/** The products whose vendor names cloud applications in this file. */
const PRODUCT_VENDOR: Partial<Readonly<Record<Product, string>>> = { zscaler: 'zscaler', netskope: 'netskope', paloalto: 'paloalto' };

/** Lines for a vendor snippet's notes: the cloud-application route for the requested hosts, or why there is none. */
export function cloudApplicationNotes(product: Product, hosts: readonly string[], file: CloudApplicationFile = FILE): string[] {
  const vendor = PRODUCT_VENDOR[product];
  if (!vendor) return [];
  const notes: string[] = [];
  for (const application of file.applications) {
    const members = hosts.filter((h) => application.hosts.includes(h));
    if (members.length === 0) continue;
    const route = application.routes.find((r) => r.vendor === vendor);
    const belong = `${members.join(', ')} ${members.length === 1 ? 'belongs' : 'belong'} to ${application.name}`;
    if (route) {
      notes.push(
        `Cloud-application route: ${belong}. ${vendorTitle(vendor)}: "${route.name}" (${route.how}); it can replace these hosts' URL-category entries.`,
      );
      notes.push(
        `Sources: hosts ${application.hostsSource} (read ${application.hostsRetrieved}); route ${route.source} (read ${route.retrieved}).`,
      );
      continue;
    }
    const missing = file.noPublicMapping.find((m) => m.vendor === vendor);
    notes.push(
      `Cloud-application route: ${belong} (${application.hostsSource}), but ${missing ? `${missing.what} (searched ${missing.searched})` : `no ${vendorTitle(vendor)} application is on record for it`}: use the URL-category entries.`,
    );
  }
  return notes;
}
