import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { FormFields } from '../db/entities/index.js';
import { InvalidInputError } from '../errors.js';

const MAX_FORM_CHARS = 10 * 1024 * 1024;
const MAX_DEPTH = 64;

export interface BlankForm {
  xmlFormId: string;
  version: string;
  name: string;
  md5: string;
  fields: FormFields;
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const attribute = (node: Node, name: string): string | null => (typeof node[`@_${name}`] === 'string' ? (node[`@_${name}`] as string) : null);

/** "/data/group/field" → "group/field": paths as submissions are flattened, below the instance root. */
function fieldPath(nodeset: string, root: string): string | null {
  const parts = nodeset
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/^[\w.-]+:/, ''));
  return parts[0] === root && parts.length > 1 ? parts.slice(1).join('/') : null;
}

/** Every `select` (select-multiple) control in the body, wherever groups and repeats put it. */
function selectRefs(node: unknown, out: string[], depth = 0): void {
  if (depth > MAX_DEPTH) return;
  for (const item of list(node)) {
    if (!isNode(item)) continue;
    for (const [name, child] of Object.entries(item)) {
      if (name === 'select') for (const control of list(child)) if (isNode(control) && attribute(control, 'ref')) out.push(attribute(control, 'ref')!);
      if (!name.startsWith('@_')) selectRefs(child, out, depth + 1);
    }
  }
}

/**
 * Reads what FieldSync needs of a blank XForm: its id, version and title, the type of each field
 * (so submissions keep numbers as numbers and select-multiple answers as lists) and which fields
 * record when the form was started and finished. A DTD is refused, as in submissions.
 */
export function readXForm(xml: Buffer): BlankForm {
  const text = xml.toString('utf8');
  if (text.length > MAX_FORM_CHARS) throw new InvalidInputError(`the form is larger than ${MAX_FORM_CHARS} characters`);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new InvalidInputError('the form declares a DTD or entities, which are refused');
  let document: unknown;
  try {
    document = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, processEntities: true, htmlEntities: false }).parse(text, true);
  } catch (error) {
    throw new InvalidInputError(`the form is not well-formed XML: ${(error as Error).message}`);
  }
  const html = isNode(document) ? document.html : undefined;
  const head = isNode(html) ? html.head : undefined;
  const model = isNode(head) ? head.model : undefined;
  if (!isNode(model)) throw new InvalidInputError('this is not an XForm: no h:html/h:head/model; convert an XLSForm with pyxform (xls2xform) or getodk.org/xlsform first');
  // The primary instance is the model's first instance without an id (secondary instances have one).
  const primary = list(model.instance).find((instance) => isNode(instance) && !attribute(instance, 'id'));
  const rootEntry = isNode(primary) ? Object.entries(primary).find(([name]) => !name.startsWith('@_') && name !== '#text') : undefined;
  const rootNode = rootEntry?.[1];
  if (!rootEntry || !isNode(rootNode)) throw new InvalidInputError('the form has no primary instance with a root element');
  const [root] = rootEntry;
  const xmlFormId = attribute(rootNode, 'id');
  if (!xmlFormId || xmlFormId.length > 128) throw new InvalidInputError("the form's instance root needs an id attribute (1-128 characters): that is the form id");
  const version = attribute(rootNode, 'version') ?? '';
  if (version.length > 64) throw new InvalidInputError('the form version is longer than 64 characters');

  const fields: FormFields = { types: {}, start: null, end: null };
  for (const bind of list(model.bind)) {
    if (!isNode(bind)) continue;
    const path = fieldPath(attribute(bind, 'nodeset') ?? '', root);
    if (!path) continue;
    const type = attribute(bind, 'type')?.replace(/^[\w.-]+:/, '');
    if (type) fields.types[path] = type;
    if (attribute(bind, 'preload') === 'timestamp') {
      const which = attribute(bind, 'preloadParams');
      if (which === 'start') fields.start ??= path;
      if (which === 'end') fields.end ??= path;
    }
  }
  const selects: string[] = [];
  selectRefs(isNode(html) ? html.body : undefined, selects);
  for (const ref of selects) {
    const path = fieldPath(ref, root);
    if (path) fields.types[path] = 'select';
  }
  const title = isNode(head) && typeof head.title === 'string' ? head.title.trim() : '';
  return { xmlFormId, version, name: (title || xmlFormId).slice(0, 200), md5: createHash('md5').update(xml).digest('hex'), fields };
}
