/**
 * The payloads of sections 12–13: documents generated from a fixed seed, so
 * every run sends the same bytes, and cut into consecutive messages.
 *
 * Autobahn cuts its messages from five files shipped with the suite (a large
 * JSON file, a 512×512 bitmap, Goethe's Faust as text, a large HTML file, a
 * PDF). The tester generates documents of the same kinds instead: as
 * compressible as the real ones where that matters (repetitive markup and
 * keys, natural-language words, smooth image areas) and, in the PDF, with
 * incompressible stretches (embedded compressed streams), so deflate meets
 * both kinds of data. Text documents are ASCII, so any cut is valid UTF-8; the
 * German prose has umlauts and, like Autobahn's Faust, goes out as binary.
 */
import type { CorpusKind } from './types.js';
import { seededRandom } from '../seeded-random.js';

/** Size of every generated document: more than the largest message (128 KiB), so messages wrap around. */
export const CORPUS_BYTES = 256 * 1024;

/** A kind of document, how it is sent, and how reports describe it. */
export interface CorpusInfo {
  readonly kind: CorpusKind;
  readonly binary: boolean;
  readonly title: string;
}

/** Section 12's five documents, in subsection order (12.1–12.5); section 13 uses the JSON one. */
export const CORPORA: readonly CorpusInfo[] = [
  { kind: 'json', binary: false, title: 'a large JSON document (text)' },
  { kind: 'bitmap', binary: true, title: 'a 512×512 8-bit bitmap image (binary)' },
  { kind: 'prose', binary: true, title: 'German prose, UTF-8 (sent as binary, as Autobahn sends its Faust)' },
  { kind: 'html', binary: false, title: 'a large HTML document (text)' },
  { kind: 'pdf', binary: true, title: 'a PDF-like document with compressed streams (binary)' },
];

const ENGLISH = ('the of and to in is was that for on with as by at from this be which or an are have not it his her but ' +
  'they were one all had been their has would there what when who will more if no out so said up about into than them can ' +
  'only other new some could time these two may then do first any my now such like our over man me even most made after ' +
  'also did many before must through back years where much your way well down should because each just those people how ' +
  'protocol message frame server client socket compression window context extension handshake payload octet').split(' ');

const GERMAN = ('der die das und ist nicht ich du er sie es wir ihr mit zu den dem des ein eine einen auf für sich von ' +
  'auch so wie was wenn noch nur schon mehr nach aus bei um über unter vor durch gegen ohne wieder hier dort nun doch ' +
  'Himmel Erde Geist Mensch Welt Herz Nacht Licht Seele Teufel Gott Freund Liebe Leben Zeit Wort Tat Kraft Natur Hölle ' +
  'schön groß klein gut böse müde süß heiß weiß früh spät Glück Mädchen Bücher Ärger Übermut Öffnung Straße Größe Füße ' +
  'Gretchen Faust Mephisto Wagner Marthe Studierzimmer Osterspaziergang Walpurgisnacht Kerker Dom Garten Brunnen').split(' ');

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function words(random: () => number, list: readonly string[], n: number): string {
  return Array.from({ length: n }, () => pick(random, list)).join(' ');
}

/** Text made by `part` until it holds `size` bytes, then cut there. */
function fill(size: number, part: () => string): Buffer {
  const pieces: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const piece = Buffer.from(part(), 'utf8');
    pieces.push(piece);
    length += piece.length;
  }
  return Buffer.concat(pieces, length).subarray(0, size);
}

function json(size: number): Buffer {
  const random = seededRandom(0x12_01);
  let id = 0;
  const verdicts = ['OK', 'OK', 'OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED'];
  return fill(size, () => {
    id++;
    const record = {
      id,
      agent: pick(random, ['AutobahnPython/0.6.0', 'ws/8.23.0', 'rfc6455/0.1.0', 'Browser/120']),
      case: `${1 + Math.floor(random() * 13)}.${1 + Math.floor(random() * 9)}.${1 + Math.floor(random() * 18)}`,
      behavior: pick(random, verdicts),
      behaviorClose: pick(random, verdicts),
      duration: Math.floor(random() * 5000),
      remoteCloseCode: pick(random, [1000, 1000, 1002, 1007, null]),
      token: Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0'),
      note: words(random, ENGLISH, 3 + Math.floor(random() * 12)),
    };
    return `${id === 1 ? '[\n' : ''}  ${JSON.stringify(record, null, 1).replace(/\n\s*/g, ' ')},\n`;
  });
}

function bitmap(size: number): Buffer {
  const random = seededRandom(0x12_02);
  const width = 512;
  const header = Buffer.alloc(54 + 1024);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + 1024 + width * width, 2);
  header.writeUInt32LE(54 + 1024, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(width, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(8, 28);
  for (let i = 0; i < 256; i++) header.writeUInt32LE(i * 0x010101, 54 + 4 * i); // grey palette
  const pixels = Buffer.alloc(width * width);
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      // Smooth shapes, hard edges, a little sensor noise: like a photograph, partly compressible.
      const shade = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + ((x - 256) ** 2 + (y - 200) ** 2 < 90 ** 2 ? 50 : 0);
      pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(shade + (random() - 0.5) * 6)));
    }
  }
  return repeatTo(Buffer.concat([header, pixels]), size);
}

function repeatTo(data: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += data.length) data.copy(out, offset, 0, Math.min(data.length, size - offset));
  return out;
}

function prose(size: number): Buffer {
  const random = seededRandom(0x12_03);
  return fill(size, () => {
    const sentence = words(random, GERMAN, 4 + Math.floor(random() * 14));
    const end = pick(random, ['.', '.', '!', '?', ';', ',']);
    return `${sentence[0]!.toUpperCase()}${sentence.slice(1)}${end}${random() < 0.3 ? '\n' : ' '}`;
  });
}

function html(size: number): Buffer {
  const random = seededRandom(0x12_04);
  let n = 0;
  return fill(size, () => {
    n++;
    const cls = pick(random, ['row', 'cell ok', 'cell failed', 'cell nonstrict', 'note', 'wire']);
    const text = words(random, ENGLISH, 2 + Math.floor(random() * 10));
    return `${n === 1 ? '<!DOCTYPE html>\n<html><head><title>Report</title></head><body>\n' : ''}` +
      `<div class="${cls}" id="d-${n}"><a href="#case-${n}">Case ${n}</a> <span title="${text}">${text}</span></div>\n`;
  });
}

function pdf(size: number): Buffer {
  const random = seededRandom(0x12_05);
  let object = 0;
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  while (length < size) {
    object++;
    let part: Buffer;
    if (random() < 0.6) {
      // An embedded compressed stream: random bytes, which deflate cannot shrink.
      const data = Buffer.alloc(512 + Math.floor(random() * 4096));
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
      part = Buffer.concat([
        Buffer.from(`${object} 0 obj\n<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'),
        data,
        Buffer.from('\nendstream\nendobj\n', 'latin1'),
      ]);
    } else {
      part = Buffer.from(`${object} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${object + 1} 0 R ` +
        `/Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n% ${words(random, ENGLISH, 8)}\n`, 'latin1');
    }
    parts.push(part);
    length += part.length;
  }
  return Buffer.concat(parts, length).subarray(0, size);
}

const BUILDERS: Readonly<Record<CorpusKind, (size: number) => Buffer>> = { json, bitmap, prose, html, pdf };
const built = new Map<CorpusKind, Buffer>();

/** The document of a kind ({@link CORPUS_BYTES} bytes), built once. */
export function corpus(kind: CorpusKind): Buffer {
  let data = built.get(kind);
  if (data === undefined) built.set(kind, data = BUILDERS[kind](CORPUS_BYTES));
  return data;
}

/**
 * Message `index` of `length` bytes: the document cut into consecutive pieces,
 * wrapping around at its end (Autobahn's `sendOne`).
 */
export function corpusMessage(kind: CorpusKind, length: number, index: number): Buffer {
  const data = corpus(kind);
  const start = (index * length) % data.length;
  if (start + length <= data.length) return data.subarray(start, start + length);
  const out = Buffer.allocUnsafe(length);
  let filled = data.copy(out, 0, start);
  while (filled < length) filled += data.copy(out, filled, 0, Math.min(data.length, length - filled));
  return out;
}
