// Placement: what a job needs from a node (tags, slots, memory) and what a
// node offers. A job's requirements are its *class*, written into the name of
// the pending bucket that holds it (zk/paths.ts), so that a daemon can tell
// the jobs it may run from the bucket names alone, without reading a spec
// (docs/placement.md). This file owns the class text: one encoder, one
// strict parser, and the eligibility test.
//
// A held job (zkjobq hold, hold.ts) is one no node is eligible for: its
// bucket's class carries the part `h` before the job's own requirements
// (`<first>~h`, `<first>~h~c2~tgpu`). Eligibility rejects it for every node,
// so daemons never list a held bucket nor read its specs, and the claim
// path needs no test of its own. A spec never asks to be held: `held` is
// only ever read from a bucket's name.
import { DataError } from './errors.js';

export interface Requirements {
  /** Tags a node must all have, sorted and distinct. */
  tags: string[];
  /** Slots the job takes on its node. Default 1. */
  cpus: number;
  /** Bytes of memory the job asks for. Default 0: none asked. */
  mem: number;
  /** Held by an operator (a bucket's class only, never a spec's): eligible for no node. Absent: not held. */
  held?: boolean;
}

export const NO_REQUIREMENTS: Requirements = { tags: [], cpus: 1, mem: 0 };

/** What a node offers, for the eligibility test. */
export interface NodeOffer {
  tags: readonly string[];
  slots: number;
  memTotal: number;
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9_.:=-]{0,63}$/;
/** At most this many tags a job may require (the class must stay a short znode name). */
export const MAX_TAGS = 16;
const MAX_CPUS = 4096;

export function checkTag(tag: string): string {
  if (!TAG.test(tag)) throw new DataError(`invalid tag ${JSON.stringify(tag)}: use letters, digits, '_', '.', ':', '=', '-' (at most 64, starting with a letter or digit)`);
  return tag;
}

/** "gpu, ssd,gpu" → ["gpu", "ssd"]; each tag checked. */
export function parseTagList(text: string): string[] {
  const tags = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  return normaliseTags(tags);
}

export function normaliseTags(tags: readonly string[]): string[] {
  const sorted = [...new Set(tags.map(checkTag))].sort();
  if (sorted.length > MAX_TAGS) throw new DataError(`at most ${MAX_TAGS} tags, got ${sorted.length}`);
  return sorted;
}

export function checkCpus(cpus: number): number {
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS) throw new DataError(`cpus must be a whole number from 1 to ${MAX_CPUS}, got ${cpus}`);
  return cpus;
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** "512M", "4G", "1.5G", "1048576" → bytes (binary units, optional trailing B/iB). */
export function parseSize(text: string, what = 'size'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) throw new DataError(`${what} must be a size like 512M or 4G, got ${JSON.stringify(text)}`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new DataError(`${what} must be at least one byte, got ${JSON.stringify(text)}`);
  return bytes;
}

/** Bytes as a person reads them: 1073741824 → "1G", 1610612736 → "1.5G". */
export function formatSize(bytes: number): string {
  const unit = ['T', 'G', 'M', 'K'].find((u) => bytes >= UNITS[u]);
  if (!unit) return String(bytes);
  return `${Math.round((bytes / UNITS[unit]) * 10) / 10}${unit}`;
}

export function isUnconstrained(r: Requirements): boolean {
  return !r.held && r.tags.length === 0 && r.cpus === 1 && r.mem === 0;
}

/** The part of a class that holds its jobs (see the top of the file). */
export const HELD_PART = 'h';

/** The same requirements, held or not: where zkjobq hold and release move a spec. */
export function withHold(r: Requirements, held: boolean): Requirements {
  const plain: Requirements = { tags: r.tags, cpus: r.cpus, mem: r.mem };
  return held ? { ...plain, held: true } : plain;
}

/** The class text: '' for none, else `h` (held), `c<N>`, `m<bytes>`, `t<tag>,…` joined by '~', defaults left out. */
export function encodeClass(r: Requirements): string {
  const parts: string[] = [];
  if (r.held) parts.push(HELD_PART);
  if (r.cpus !== 1) parts.push(`c${r.cpus}`);
  if (r.mem !== 0) parts.push(`m${r.mem}`);
  if (r.tags.length > 0) parts.push(`t${r.tags.join(',')}`);
  return parts.join('~');
}

/**
 * Requirements from a class text, or null unless it is exactly what
 * encodeClass writes: a hand-made bucket name that merely looks close is
 * not read as a class (a second name for the same class would let one
 * job be listed twice).
 */
export function parseClass(text: string): Requirements | null {
  if (text === '') return { ...NO_REQUIREMENTS };
  const r: Requirements = { ...NO_REQUIREMENTS, tags: [] };
  try {
    for (const part of text.split('~')) {
      const value = part.slice(1);
      if (part === HELD_PART) r.held = true;
      else if (part[0] === 'c' && /^\d{1,4}$/.test(value)) r.cpus = checkCpus(Number(value));
      else if (part[0] === 'm' && /^[1-9]\d{0,15}$/.test(value)) r.mem = Number(value);
      else if (part[0] === 't') r.tags = normaliseTags(value.split(','));
      else return null;
    }
  } catch {
    return null;
  }
  return encodeClass(r) === text ? r : null;
}

/** Could this node ever run such a job (tags, slots, total memory)? Never a held one. */
export function eligible(r: Requirements, node: NodeOffer): boolean {
  return !r.held && r.cpus <= node.slots && (r.mem === 0 || r.mem <= node.memTotal) && r.tags.every((t) => node.tags.includes(t));
}

/** Why no node of `nodes` is eligible, in words ("no live node has tags gpu"), or null when one is. */
export function whyNoNode(r: Requirements, nodes: readonly NodeOffer[]): string | null {
  if (r.held) return 'held';
  if (nodes.some((n) => eligible(r, n))) return null;
  const tagged = nodes.filter((n) => r.tags.every((t) => n.tags.includes(t)));
  if (tagged.length === 0) return r.tags.length > 0 ? `no live node has tags ${r.tags.join(',')}` : 'no live node serves the queue';
  if (!tagged.some((n) => r.cpus <= n.slots)) return `no live node${r.tags.length ? ` with tags ${r.tags.join(',')}` : ''} has ${r.cpus} slots`;
  return `no live node${r.tags.length ? ` with tags ${r.tags.join(',')}` : ''} has ${formatSize(r.mem)} of memory`;
}

/** The tag that pins a job to one node (every daemon has its own). */
export function nodeTag(nodeId: string): string {
  return `node=${nodeId}`;
}
