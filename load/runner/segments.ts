/**
 * k6's execution segments: how one test is split between N runners (`--execution-segment`,
 * `--execution-segment-sequence`). Each runner works out its own share from its segment alone:
 * integers (VUs, iterations) are striped over the sequence so the shares always add up to the
 * whole, and every runner gets its own non-overlapping set of VU ids and iteration numbers.
 * The rules follow k6's documented ExecutionTuple behaviour; written here from that description.
 */

/** A non-negative rational number, always reduced. */
export interface Rat {
  n: number;
  d: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a);
}

function rat(n: number, d: number): Rat {
  const g = gcd(n, d) || 1;
  return { n: n / g, d: d / g };
}

function sub(a: Rat, b: Rat): Rat {
  return rat(a.n * b.d - b.n * a.d, a.d * b.d);
}

function cmp(a: Rat, b: Rat): number {
  return a.n * b.d - b.n * a.d;
}

export function ratString(r: Rat): string {
  return r.d === 1 ? String(r.n) : `${r.n}/${r.d}`;
}

/** `1/3`, `0.25`, `25%` or `1` as an exact fraction. */
export function parseRat(text: string): Rat {
  const s = text.trim();
  const bad = () => new Error(`'${text}' is not a valid percentage, decimal or fraction`);
  let m = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (m) {
    const r = parseRat(m[1] as string);
    return rat(r.n, r.d * 100);
  }
  m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) {
    if (Number(m[2]) === 0) throw bad();
    return rat(Number(m[1]), Number(m[2]));
  }
  m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw bad();
  const decimals = m[2] ?? "";
  return rat(Number(`${m[1]}${decimals}`), 10 ** decimals.length);
}

export interface Segment {
  from: Rat;
  to: Rat;
}

function segment(from: Rat, to: Rat): Segment {
  if (cmp(from, to) >= 0) {
    throw new Error(
      `segment start (${ratString(from)}) must be less than its end (${ratString(to)})`,
    );
  }
  if (cmp(to, { n: 1, d: 1 }) > 0) {
    throw new Error(`segment end must not be more than 1, got ${ratString(to)}`);
  }
  return { from, to };
}

export function segmentString(s: Segment): string {
  return `${ratString(s.from)}:${ratString(s.to)}`;
}

/** `1/3:2/3` is (1/3, 2/3]; a single value `1/3` is (0, 1/3]; empty is the whole test. */
export function parseSegment(text: string | undefined): Segment {
  const s = (text ?? "").trim() || "1";
  const colon = s.indexOf(":");
  return colon < 0
    ? segment({ n: 0, d: 1 }, parseRat(s))
    : segment(parseRat(s.slice(0, colon)), parseRat(s.slice(colon + 1)));
}

/** `0,1/3,2/3,1`: consecutive points, each pair one segment. */
export function parseSequence(text: string | undefined): Segment[] {
  const s = (text ?? "").trim();
  if (!s) return [];
  const points = s.split(",").map(parseRat);
  if (points.length < 2) {
    throw new Error(`an execution segment sequence needs at least 2 points, got '${text}'`);
  }
  return points.slice(1).map((to, i) => segment(points[i] as Rat, to));
}

function lengthOf(s: Segment): Rat {
  return sub(s.to, s.from);
}

/** Fills the gaps before and after, so the sequence covers 0..1 (k6 does the same). */
function filled(sequence: Segment[], fallback: Segment): Segment[] {
  const out = sequence.length ? [...sequence] : [fallback];
  const first = out[0] as Segment;
  const last = out[out.length - 1] as Segment;
  if (first.from.n !== 0) out.unshift(segment({ n: 0, d: 1 }, first.from));
  if (cmp(last.to, { n: 1, d: 1 }) !== 0) out.push(segment(last.to, { n: 1, d: 1 }));
  return out;
}

/**
 * One runner's place in the whole test: its segment within the (filled) sequence, with the
 * striped positions of each segment precomputed.
 */
export class ExecutionTuple {
  readonly lcd: number;
  /** Per segment: the positions in [0, lcd) that belong to it, ascending. */
  readonly #positions: number[][];

  private constructor(
    readonly sequence: Segment[],
    readonly index: number,
  ) {
    const lengths = sequence.map(lengthOf);
    this.lcd = lengths.reduce((acc, l) => acc / gcd(acc, l.d) * l.d, 1);
    const numerators = lengths.map((l) => l.n * (this.lcd / l.d));
    // Bigger segments choose first; ties keep their order in the sequence.
    const order = numerators.map((n, i) => ({ n, i })).sort((a, b) => b.n - a.n || a.i - b.i);
    this.#positions = sequence.map(() => []);
    const chosen = order.map(() => 0);
    // Position p goes to the first segment (biggest first) that is not ahead of its share:
    // a segment with normalised numerator k takes position p once p ≥ taken·lcd/k. This
    // spreads each segment's positions as evenly as the cycle of `lcd` allows.
    for (let p = 0; p < this.lcd; p++) {
      for (let j = 0; j < order.length; j++) {
        const { n, i } = order[j] as { n: number; i: number };
        const owed = (chosen[j] as number) * this.lcd;
        if (n > 0 && (p > Math.floor(owed / n) || (p === owed / n))) {
          chosen[j] = (chosen[j] as number) + 1;
          (this.#positions[i] as number[]).push(p);
          break;
        }
      }
    }
  }

  /** The tuple for `segment` within `sequence` (either may be empty: the whole test). */
  static of(segmentText?: string, sequenceText?: string): ExecutionTuple {
    const seg = parseSegment(segmentText);
    const seq = parseSequence(sequenceText);
    for (let i = 1; i < seq.length; i++) {
      if (cmp((seq[i] as Segment).from, (seq[i - 1] as Segment).to) !== 0) {
        throw new Error(`execution segment sequence '${sequenceText}' has gaps or overlaps`);
      }
    }
    const full = filled(seq, seg);
    const index = full.findIndex((s) => cmp(s.from, seg.from) === 0 && cmp(s.to, seg.to) === 0);
    if (index < 0) {
      throw new Error(
        `execution segment ${segmentString(seg)} is not one of the sequence ${sequenceText}`,
      );
    }
    return new ExecutionTuple(full, index);
  }

  get segment(): Segment {
    return this.sequence[this.index] as Segment;
  }

  /** Whether the test is split at all. */
  get partial(): boolean {
    return this.sequence.length > 1;
  }

  /** Positions in [0, lcd) that are this runner's, ascending. */
  get positions(): readonly number[] {
    return this.#positions[this.index] as number[];
  }

  /** This runner's share of `value` whole units; the shares of all segments add up to it. */
  scale(value: number): number {
    return this.scaleFor(this.index, value);
  }

  scaleFor(index: number, value: number): number {
    if (!this.partial) return value;
    const mine = this.#positions[index] as number[];
    const rest = value % this.lcd;
    return Math.floor(value / this.lcd) * mine.length + mine.filter((p) => p < rest).length;
  }

  /**
   * The i-th (0-based) global index that belongs to this runner: where its i-th VU or
   * iteration sits in the whole test's numbering.
   */
  globalIndex(i: number): number {
    const mine = this.positions;
    if (mine.length === 0) throw new Error("this segment owns no positions");
    return Math.floor(i / mine.length) * this.lcd + (mine[i % mine.length] as number);
  }

  /**
   * k6 re-splits arrival-rate iterations by how the scenario's maxVUs were split, so a runner
   * without VUs gets no iterations: the sequence rebuilt with lengths scale(value)/value.
   */
  resplit(value: number): ExecutionTuple | null {
    if (value < 1 || !this.partial) return value < 1 ? null : this;
    if (value % this.lcd === 0) return this;
    const parts = this.sequence.map((_, i) => this.scaleFor(i, value));
    if ((parts[this.index] as number) === 0) return null;
    const seq: Segment[] = [];
    let prev = 0;
    let index = -1;
    parts.forEach((part, i) => {
      if (part === 0) return;
      if (i === this.index) index = seq.length;
      seq.push(segment(rat(prev, value), rat(prev + part, value)));
      prev += part;
    });
    return new ExecutionTuple(seq, index);
  }
}

/** Hands out this runner's global ids in order: k6's SegmentedIndex (`next()` from 0). */
export class SegmentedIndex {
  #next = 0;
  constructor(readonly tuple: ExecutionTuple) {}
  /** The next global index (0-based) owned by this runner. */
  next(): number {
    return this.tuple.partial ? this.tuple.globalIndex(this.#next++) : this.#next++;
  }
}
