import { expect } from 'chai';
import type { ErrorCode, Result } from '../../contract/result.js';
import { forEachDatabase } from '../support/databases.js';
import { useNatsServer } from '../support/nats.js';
import { startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

/**
 * The storage contract: request JSON → expected reply, step by step, run unchanged against SQLite
 * and PostgreSQL. `data` must match exactly; `like` only the keys it names; `code` an error.
 * The tables come from test/fixtures/migrations/notes (applied first, as Rosey does on start).
 */
interface Step {
  title: string;
  /** `kv.get`, `row.insert`, …: sent on rosey.db.<tier>.notes.<op>. */
  op: string;
  payload: unknown;
  data?: unknown;
  like?: Record<string, unknown>;
  code?: ErrorCode;
  message?: RegExp;
}

const items = (data: unknown) => ({ table: 'items', data });

const KV: Step[] = [
  { title: 'a missing key', op: 'kv.get', payload: { key: 'greeting' }, data: { exists: false } },
  {
    title: 'set any JSON value',
    op: 'kv.set',
    payload: { key: 'greeting', value: { text: 'hi', n: [1, 2] } },
    data: { stored: true, expiresAt: null },
  },
  {
    title: 'get it back',
    op: 'kv.get',
    payload: { key: 'greeting' },
    data: { exists: true, value: { text: 'hi', n: [1, 2] }, expiresAt: null },
  },
  { title: 'overwrite', op: 'kv.set', payload: { key: 'greeting', value: 'hello' }, like: { stored: true } },
  {
    title: 'null is a value',
    op: 'kv.set',
    payload: { key: 'nothing', value: null },
    like: { stored: true },
  },
  {
    title: 'null comes back',
    op: 'kv.get',
    payload: { key: 'nothing' },
    like: { exists: true, value: null },
  },
  {
    title: 'unicode keys and values',
    op: 'kv.set',
    payload: { key: 'ключ🎲', value: '日本' },
    like: { stored: true },
  },
  { title: 'unicode back', op: 'kv.get', payload: { key: 'ключ🎲' }, like: { value: '日本' } },
  {
    title: 'incr creates at 0',
    op: 'kv.incr',
    payload: { key: 'counter' },
    data: { value: 1, expiresAt: null },
  },
  { title: 'incr by 5', op: 'kv.incr', payload: { key: 'counter', by: 5 }, like: { value: 6 } },
  { title: 'incr by a fraction', op: 'kv.incr', payload: { key: 'counter', by: -0.5 }, like: { value: 5.5 } },
  {
    title: 'incr a non-number',
    op: 'kv.incr',
    payload: { key: 'greeting' },
    code: 'CONFLICT',
    message: /not a number/,
  },
  {
    title: 'list all',
    op: 'kv.list',
    payload: {},
    data: { keys: ['counter', 'greeting', 'nothing', 'ключ🎲'], more: false },
  },
  {
    title: 'list by prefix',
    op: 'kv.list',
    payload: { prefix: 'g' },
    data: { keys: ['greeting'], more: false },
  },
  {
    title: 'list with a limit',
    op: 'kv.list',
    payload: { limit: 2 },
    data: { keys: ['counter', 'greeting'], more: true },
  },
  {
    title: 'list the next page, after the last key seen',
    op: 'kv.list',
    payload: { limit: 2, after: 'greeting' },
    data: { keys: ['nothing', 'ключ🎲'], more: false },
  },
  {
    title: 'list a prefix after a key',
    op: 'kv.list',
    payload: { prefix: 'c', after: 'counter' },
    data: { keys: [], more: false },
  },
  {
    title: 'prefix wildcards are literal',
    op: 'kv.list',
    payload: { prefix: '%' },
    data: { keys: [], more: false },
  },
  { title: 'delete', op: 'kv.delete', payload: { key: 'nothing' }, data: { deleted: true } },
  { title: 'delete again', op: 'kv.delete', payload: { key: 'nothing' }, data: { deleted: false } },
  {
    title: 'ttl sets an expiry',
    op: 'kv.set',
    payload: { key: 'short', value: 1, ttl: 3600 },
    like: { stored: true },
  },
  // hostile input
  {
    title: 'empty key',
    op: 'kv.get',
    payload: { key: '' },
    code: 'VALIDATION_ERROR',
    message: /key: must not be empty/,
  },
  {
    title: 'key too long',
    op: 'kv.set',
    payload: { key: 'k'.repeat(256), value: 1 },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'control characters in a key',
    op: 'kv.set',
    payload: { key: 'a\u0000b', value: 1 },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'value over 64 KiB',
    op: 'kv.set',
    payload: { key: 'big', value: 'x'.repeat(70_000) },
    code: 'VALUE_TOO_LARGE',
    message: /65536/,
  },
  { title: 'ttl zero', op: 'kv.set', payload: { key: 't', value: 1, ttl: 0 }, code: 'VALIDATION_ERROR' },
  {
    title: 'ttl fraction',
    op: 'kv.set',
    payload: { key: 't', value: 1, ttl: 1.5 },
    code: 'VALIDATION_ERROR',
  },
  { title: 'ttl negative', op: 'kv.set', payload: { key: 't', value: 1, ttl: -5 }, code: 'VALIDATION_ERROR' },
  { title: 'missing value', op: 'kv.set', payload: { key: 't' }, code: 'VALIDATION_ERROR', message: /value/ },
  {
    title: 'a namespace in the payload is refused, not used',
    op: 'kv.get',
    payload: { key: 'greeting', namespace: 'trivia' },
    code: 'VALIDATION_ERROR',
    message: /namespace/,
  },
  { title: 'not an object', op: 'kv.get', payload: ['greeting'], code: 'VALIDATION_ERROR' },
  { title: 'wrong type', op: 'kv.get', payload: { key: 42 }, code: 'VALIDATION_ERROR' },
  {
    title: 'unknown operation',
    op: 'kv.drop',
    payload: {},
    code: 'VALIDATION_ERROR',
    message: /unknown kv operation drop/,
  },
  {
    title: 'incr by a string',
    op: 'kv.incr',
    payload: { key: 'counter', by: 'lots' },
    code: 'VALIDATION_ERROR',
  },
  { title: 'a huge number', op: 'kv.set', payload: { key: 'huge', value: 1.7e308 }, like: { stored: true } },
  {
    title: 'incr past the largest number',
    op: 'kv.incr',
    payload: { key: 'huge', by: 1.7e308 },
    code: 'VALIDATION_ERROR',
    message: /not a finite number/,
  },
];

const ROWS: Step[] = [
  {
    title: 'insert one row',
    op: 'row.insert',
    payload: items({ title: 'first', author: 'Ann', score: 3, ratio: 0.5, tags: ['a', 'b'] }),
    data: { id: 1 },
  },
  {
    title: 'insert a batch',
    op: 'row.insert',
    payload: items([
      { title: 'second', author: 'bob', score: 10, done: true },
      { title: 'third', author: 'Bob', score: -2, ratio: 2.25 },
      { title: '50% off', score: 7, tags: { x: 1 } },
    ]),
    data: { ids: [2, 3, 4] },
  },
  {
    title: 'select by id, with types as declared',
    op: 'row.select',
    payload: { table: 'items', id: 1 },
    data: {
      row: {
        id: 1,
        title: 'first',
        author: 'Ann',
        score: 3,
        ratio: 0.5,
        done: false,
        tags: ['a', 'b'],
        created_at: 0,
      },
    },
  },
  { title: 'select a missing id', op: 'row.select', payload: { table: 'items', id: 99 }, code: 'NOT_FOUND' },
  {
    title: 'a table with a text key',
    op: 'row.select',
    payload: { table: 'labels', id: 'urgent' },
    data: { row: { name: 'urgent', color: 'red' } },
  },
  {
    title: 'a duplicate key',
    op: 'row.insert',
    payload: { table: 'labels', data: { name: 'urgent' } },
    code: 'CONFLICT',
  },
  {
    title: 'insert returns a text key',
    op: 'row.insert',
    payload: { table: 'labels', data: { name: 'new' } },
    data: { id: 'new' },
  },
  // every filter operator
  {
    title: 'bare value is $eq',
    op: 'row.count',
    payload: { table: 'items', filters: { author: 'bob' } },
    data: { count: 1 },
  },
  {
    title: '$eq',
    op: 'row.count',
    payload: { table: 'items', filters: { score: { $eq: 10 } } },
    data: { count: 1 },
  },
  {
    title: '$eq null',
    op: 'row.count',
    payload: { table: 'items', filters: { author: { $eq: null } } },
    data: { count: 1 },
  },
  {
    title: '$ne',
    op: 'row.count',
    payload: { table: 'items', filters: { score: { $ne: 10 } } },
    data: { count: 3 },
  },
  {
    title: '$ne null',
    op: 'row.count',
    payload: { table: 'items', filters: { author: { $ne: null } } },
    data: { count: 3 },
  },
  {
    title: '$gt',
    op: 'row.count',
    payload: { table: 'items', filters: { score: { $gt: 3 } } },
    data: { count: 2 },
  },
  {
    title: '$gte',
    op: 'row.count',
    payload: { table: 'items', filters: { score: { $gte: 3 } } },
    data: { count: 3 },
  },
  {
    title: '$lt',
    op: 'row.count',
    payload: { table: 'items', filters: { score: { $lt: 3 } } },
    data: { count: 1 },
  },
  {
    title: '$lte',
    op: 'row.count',
    payload: { table: 'items', filters: { score: { $lte: 3 } } },
    data: { count: 2 },
  },
  {
    title: 'range',
    op: 'row.count',
    payload: { table: 'items', filters: { score: { $gt: 0, $lt: 10 } } },
    data: { count: 2 },
  },
  {
    title: '$in',
    op: 'row.count',
    payload: { table: 'items', filters: { author: { $in: ['Ann', 'Bob'] } } },
    data: { count: 2 },
  },
  {
    title: 'empty $in matches nothing',
    op: 'row.count',
    payload: { table: 'items', filters: { id: { $in: [] } } },
    data: { count: 0 },
  },
  {
    title: '$nin',
    op: 'row.count',
    payload: { table: 'items', filters: { author: { $nin: ['Ann'] } } },
    data: { count: 2 },
  },
  {
    title: '$like is case-sensitive',
    op: 'row.count',
    payload: { table: 'items', filters: { author: { $like: 'b%' } } },
    data: { count: 1 },
  },
  {
    title: '$ilike is not',
    op: 'row.count',
    payload: { table: 'items', filters: { author: { $ilike: 'B%' } } },
    data: { count: 2 },
  },
  {
    title: '$like \\% is a literal %',
    op: 'row.count',
    payload: { table: 'items', filters: { title: { $like: '%\\%%' } } },
    data: { count: 1 },
  },
  {
    title: '$like _ is one character',
    op: 'row.count',
    payload: { table: 'items', filters: { title: { $like: 'fir_t' } } },
    data: { count: 1 },
  },
  {
    title: '$exists',
    op: 'row.count',
    payload: { table: 'items', filters: { ratio: { $exists: true } } },
    data: { count: 2 },
  },
  {
    title: '$null',
    op: 'row.count',
    payload: { table: 'items', filters: { ratio: { $null: true } } },
    data: { count: 2 },
  },
  {
    title: 'booleans',
    op: 'row.count',
    payload: { table: 'items', filters: { done: true } },
    data: { count: 1 },
  },
  {
    title: '$and',
    op: 'row.count',
    payload: { table: 'items', filters: { $and: [{ score: { $gt: 0 } }, { author: { $ilike: 'b%' } }] } },
    data: { count: 1 },
  },
  {
    title: '$or',
    op: 'row.count',
    payload: { table: 'items', filters: { $or: [{ score: { $lt: 0 } }, { author: null }] } },
    data: { count: 2 },
  },
  {
    title: '$not',
    op: 'row.count',
    payload: { table: 'items', filters: { $not: { score: { $gt: 3 } } } },
    data: { count: 2 },
  },
  {
    title: 'nested logic',
    op: 'row.count',
    payload: {
      table: 'items',
      filters: { $or: [{ $and: [{ done: true }, { score: 10 }] }, { $not: { author: { $ne: null } } }] },
    },
    data: { count: 2 },
  },
  // search: sort, paging, projection, aggregates
  {
    title: 'sort descending',
    op: 'row.search',
    payload: { table: 'items', sort: { field: 'score', order: 'desc' }, fields: ['id', 'score'] },
    data: {
      rows: [
        { id: 2, score: 10 },
        { id: 4, score: 7 },
        { id: 1, score: 3 },
        { id: 3, score: -2 },
      ],
    },
  },
  {
    title: 'sort on two fields, nulls first when ascending',
    op: 'row.search',
    payload: {
      table: 'items',
      sort: [{ field: 'author' }, { field: 'score', order: 'desc' }],
      fields: ['id'],
    },
    data: { rows: [{ id: 4 }, { id: 1 }, { id: 3 }, { id: 2 }] },
  },
  {
    title: 'limit and offset',
    op: 'row.search',
    payload: { table: 'items', sort: { field: 'id' }, limit: 2, offset: 1, fields: ['id'] },
    data: { rows: [{ id: 2 }, { id: 3 }] },
  },
  {
    title: 'aggregates',
    op: 'row.search',
    payload: {
      table: 'items',
      aggregates: {
        n: { $count: '*' },
        authors: { $count: 'author' },
        total: { $sum: 'score' },
        mean: { $avg: 'score' },
        low: { $min: 'score' },
        high: { $max: 'score' },
      },
    },
    data: { aggregates: { n: 4, authors: 3, total: 18, mean: 4.5, low: -2, high: 10 } },
  },
  {
    title: 'aggregates with a filter',
    op: 'row.search',
    payload: { table: 'items', filters: { score: { $gt: 0 } }, aggregates: { total: { $sum: 'score' } } },
    data: { aggregates: { total: 20 } },
  },
  {
    title: 'grouped aggregates',
    op: 'row.search',
    payload: {
      table: 'items',
      groupBy: ['done'],
      aggregates: { n: { $count: '*' }, top: { $max: 'score' } },
      sort: { field: 'done' },
    },
    data: {
      groups: [
        { done: false, n: 3, top: 7 },
        { done: true, n: 1, top: 10 },
      ],
    },
  },
  // atomic updates
  {
    title: '$inc with bounds, returning the row',
    op: 'row.update',
    payload: {
      table: 'items',
      filters: { id: 1 },
      operations: { score: { $inc: 200, $min: 100 } },
      returning: true,
    },
    like: { updated: 1 },
  },
  {
    title: 'bounded at 100',
    op: 'row.select',
    payload: { table: 'items', id: 1 },
    like: {
      row: {
        id: 1,
        title: 'first',
        author: 'Ann',
        score: 100,
        ratio: 0.5,
        done: false,
        tags: ['a', 'b'],
        created_at: 0,
      },
    },
  },
  {
    title: '$dec and $max',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 3 }, operations: { score: { $dec: 500, $max: -100 } } },
    data: { updated: 1 },
  },
  {
    title: '$mul',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 2 }, operations: { score: { $mul: 3 } } },
    data: { updated: 1 },
  },
  {
    title: '$set, and a bare value',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 4 }, operations: { author: { $set: 'Cy' }, done: true } },
    data: { updated: 1 },
  },
  {
    title: 'the results',
    op: 'row.search',
    payload: { table: 'items', sort: { field: 'id' }, fields: ['id', 'score', 'author', 'done'] },
    data: {
      rows: [
        { id: 1, score: 100, author: 'Ann', done: false },
        { id: 2, score: 30, author: 'bob', done: true },
        { id: 3, score: -100, author: 'Bob', done: false },
        { id: 4, score: 7, author: 'Cy', done: true },
      ],
    },
  },
  {
    title: 'update many by filter',
    op: 'row.update',
    payload: { table: 'items', filters: { done: true }, operations: { created_at: 5 } },
    data: { updated: 2 },
  },
  {
    title: 'update everything needs all',
    op: 'row.update',
    payload: { table: 'items', filters: {}, operations: { created_at: 9 } },
    code: 'VALIDATION_ERROR',
    message: /all/,
  },
  {
    title: 'update everything',
    op: 'row.update',
    payload: { table: 'items', operations: { created_at: 9 }, all: true },
    data: { updated: 4 },
  },
  // delete and count
  {
    title: 'delete by filter',
    op: 'row.delete',
    payload: { table: 'items', filters: { score: { $lt: 0 } } },
    data: { deleted: 1 },
  },
  {
    title: 'delete everything needs all',
    op: 'row.delete',
    payload: { table: 'items', filters: {} },
    code: 'VALIDATION_ERROR',
  },
  { title: 'count after delete', op: 'row.count', payload: { table: 'items' }, data: { count: 3 } },
  // hostile input: each is refused and changes nothing
  { title: 'unknown table', op: 'row.search', payload: { table: 'nope' }, code: 'UNKNOWN_TABLE' },
  {
    title: 'another plugin’s table name',
    op: 'row.search',
    payload: { table: 'trivia__scores' },
    code: 'UNKNOWN_TABLE',
  },
  {
    title: 'SQL in a table name',
    op: 'row.search',
    payload: { table: 'items; DROP TABLE notes__items' },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'SQL in a field name',
    op: 'row.search',
    payload: { table: 'items', filters: { 'id; DROP TABLE x': 1 } },
    code: 'UNKNOWN_FIELD',
  },
  {
    title: 'SQL in a sort field',
    op: 'row.search',
    payload: { table: 'items', sort: { field: 'id desc; --' } },
    code: 'UNKNOWN_FIELD',
  },
  {
    title: 'SQL in a value is just a value',
    op: 'row.count',
    payload: { table: 'items', filters: { title: "x' OR '1'='1" } },
    data: { count: 0 },
  },
  {
    title: 'unknown operator',
    op: 'row.search',
    payload: { table: 'items', filters: { score: { $regex: '.*' } } },
    code: 'UNKNOWN_OPERATOR',
  },
  {
    title: 'unknown logical operator',
    op: 'row.search',
    payload: { table: 'items', filters: { $where: 'true' } },
    code: 'UNKNOWN_OPERATOR',
  },
  {
    title: 'unknown update operator',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 1 }, operations: { score: { $push: 1 } } },
    code: 'UNKNOWN_OPERATOR',
  },
  {
    title: '$inc on text',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 1 }, operations: { title: { $inc: 1 } } },
    code: 'VALIDATION_ERROR',
    message: /^operations\.title\.\$inc: title is not a number column$/,
  },
  {
    title: '$mul on a boolean',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 1 }, operations: { done: { $mul: 2 } } },
    code: 'VALIDATION_ERROR',
    message: /done is not a number column/,
  },
  {
    title: 'operations that change nothing',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 1 }, operations: {} },
    code: 'VALIDATION_ERROR',
    message: /^operations: must name at least one field to change$/,
  },
  {
    title: 'a top-level operator with null',
    op: 'row.update',
    payload: { table: 'items', filters: { id: 1 }, operations: { $inc: null } },
    code: 'VALIDATION_ERROR',
    message: /^operations: \$inc goes inside a field/,
  },
  {
    title: '$gt on a boolean',
    op: 'row.search',
    payload: { table: 'items', filters: { done: { $gt: false } } },
    code: 'VALIDATION_ERROR',
    message: /^filters\.done\.\$gt: done cannot be ordered$/,
  },
  {
    title: '$lte on a JSON column',
    op: 'row.count',
    payload: { table: 'items', filters: { tags: { $lte: 1 } } },
    code: 'VALIDATION_ERROR',
    message: /tags cannot be ordered/,
  },
  {
    title: '$in with something other than a list',
    op: 'row.delete',
    payload: { table: 'items', filters: { id: { $in: 1 } } },
    code: 'VALIDATION_ERROR',
    message: /^filters\.id\.\$in: must be a list$/,
  },
  {
    title: 'an empty filter under $not',
    op: 'row.delete',
    payload: { table: 'items', filters: { $not: {} } },
    code: 'VALIDATION_ERROR',
    message: /^filters\.\$not: an empty filter/,
  },
  {
    title: 'a string for a number',
    op: 'row.insert',
    payload: items({ title: 'x', score: '5' }),
    code: 'VALIDATION_ERROR',
    message: /whole number/,
  },
  {
    title: 'a missing required field',
    op: 'row.insert',
    payload: items({ author: 'nobody' }),
    code: 'VALIDATION_ERROR',
    message: /title is required/,
  },
  {
    title: 'null for a NOT NULL field',
    op: 'row.insert',
    payload: items({ title: null }),
    code: 'VALIDATION_ERROR',
    message: /cannot be null/,
  },
  {
    title: 'an unknown field',
    op: 'row.insert',
    payload: items({ title: 'x', owner: 'me' }),
    code: 'UNKNOWN_FIELD',
  },
  {
    title: 'a huge value',
    op: 'row.insert',
    payload: items({ title: 'x'.repeat(70_000) }),
    code: 'VALUE_TOO_LARGE',
  },
  {
    title: 'a bad row spoils the batch',
    op: 'row.insert',
    payload: items([{ title: 'ok' }, { title: 5 }]),
    code: 'VALIDATION_ERROR',
  },
  { title: 'so nothing was inserted', op: 'row.count', payload: { table: 'items' }, data: { count: 3 } },
  { title: 'an empty batch', op: 'row.insert', payload: items([]), code: 'VALIDATION_ERROR' },
  { title: 'limit 0', op: 'row.search', payload: { table: 'items', limit: 0 }, code: 'VALIDATION_ERROR' },
  {
    title: 'limit over 1000',
    op: 'row.search',
    payload: { table: 'items', limit: 1001 },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'negative offset',
    op: 'row.search',
    payload: { table: 'items', offset: -1 },
    code: 'VALIDATION_ERROR',
  },
  {
    title: '$in over 1000 values',
    op: 'row.count',
    payload: { table: 'items', filters: { id: { $in: Array.from({ length: 1001 }, (_, i) => i) } } },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'filters nested too deep',
    op: 'row.count',
    payload: {
      table: 'items',
      filters: Array.from({ length: 12 }).reduce<Record<string, unknown>>((f) => ({ $not: f }), { id: 1 }),
    },
    code: 'VALIDATION_ERROR',
    message: /nested deeper/,
  },
  {
    title: 'an array where a value goes',
    op: 'row.count',
    payload: { table: 'items', filters: { id: [1, 2] } },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'a filter that is not an object',
    op: 'row.count',
    payload: { table: 'items', filters: 'id = 1' },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'unknown row operation',
    op: 'row.truncate',
    payload: { table: 'items' },
    code: 'VALIDATION_ERROR',
  },
  {
    title: 'extra keys are refused',
    op: 'row.count',
    payload: { table: 'items', sql: 'DROP TABLE x' },
    code: 'VALIDATION_ERROR',
  },
  { title: 'the table is still there', op: 'row.count', payload: { table: 'items' }, data: { count: 3 } },
];

forEachDatabase('storage contract over NATS', (kind) => {
  const nats = useNatsServer();
  let kernel: StorageKernel;

  before(async () => {
    kernel = await startStorageKernel(nats.url, kind);
    const applied = await kernel.call('migrate.notes.apply', {});
    expect(applied.ok, JSON.stringify(applied)).to.equal(true);
  });
  after(() => kernel.stop());

  const run = (what: string, steps: Step[]) =>
    it(`${what}: ${steps.length} requests answer as specified`, async () => {
      for (const step of steps) {
        const [tier, op] = step.op.split('.') as [string, string];
        const result: Result<unknown> = await kernel.call(`${tier}.notes.${op}`, step.payload);
        const shown = `${step.title}: ${JSON.stringify(result)}`;
        if (step.code) {
          expect(result.ok, shown).to.equal(false);
          if (!result.ok) {
            expect(result.error.code, shown).to.equal(step.code);
            if (step.message) expect(result.error.message, shown).to.match(step.message);
            expect(result.error.message, shown).to.not.include('\n');
          }
        } else {
          expect(result.ok, shown).to.equal(true);
          if (result.ok && step.data !== undefined) expect(result.data, shown).to.deep.equal(step.data);
          if (result.ok && step.like !== undefined) expect(result.data, shown).to.deep.include(step.like);
        }
      }
    });

  // Steps first (they assume a fresh database), then the tests that add their own data.
  run('key-value', KV);
  run('rows', ROWS);

  it('refuses what is not JSON, and subjects that name no plugin', async () => {
    const raw = await kernel.nc.request('rosey.db.kv.notes.get', new TextEncoder().encode('{nope'), {
      timeout: 5000,
    });
    expect(JSON.parse(new TextDecoder().decode(raw.data))).to.deep.include({ ok: false });
    expect(JSON.parse(new TextDecoder().decode(raw.data)).error.code).to.equal('INVALID_JSON');
    const bad = await kernel.call('kv.NOTES.get', { key: 'x' });
    expect(bad.ok === false && bad.error.code).to.equal('VALIDATION_ERROR');
  });

  it('expires keys: invisible once their time has passed, and an expired counter starts over', async () => {
    const set = await kernel.call('kv.notes.set', { key: 'soon', value: 1, ttl: 1 });
    expect(set.ok).to.equal(true);
    expect(await kernel.call('kv.notes.get', { key: 'soon' })).to.have.nested.property('data.exists', true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await kernel.call('kv.notes.get', { key: 'soon' })).to.deep.equal({
      ok: true,
      data: { exists: false },
    });
    const listed = await kernel.call('kv.notes.list', { prefix: 'soon' });
    expect(listed).to.deep.equal({ ok: true, data: { keys: [], more: false } });
    // incr on an expired key starts again from 0
    expect(await kernel.call('kv.notes.incr', { key: 'soon' })).to.deep.equal({
      ok: true,
      data: { value: 1, expiresAt: null },
    });
  });

  it('keeps namespaces apart: the same key in two plugins', async () => {
    await kernel.call('kv.notes.set', { key: 'shared-name', value: 'notes' });
    await kernel.call('kv.trivia.set', { key: 'shared-name', value: 'trivia' });
    expect(await kernel.call('kv.notes.get', { key: 'shared-name' })).to.have.nested.property(
      'data.value',
      'notes',
    );
    expect(await kernel.call('kv.trivia.get', { key: 'shared-name' })).to.have.nested.property(
      'data.value',
      'trivia',
    );
    expect(await kernel.call('row.trivia.count', { table: 'items' })).to.have.nested.property(
      'error.code',
      'UNKNOWN_TABLE',
    );
  });

  it('100 concurrent $inc on one row add exactly 100', async () => {
    const inserted = await kernel.call('row.notes.insert', {
      table: 'items',
      data: { title: 'counter', score: 0 },
    });
    const id = (inserted as { data: { id: number } }).data.id;
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        kernel.call('row.notes.update', {
          table: 'items',
          filters: { id },
          operations: { score: { $inc: 1 } },
        }),
      ),
    );
    expect(results.every((r) => r.ok)).to.equal(true);
    expect(await kernel.call('row.notes.select', { table: 'items', id })).to.have.nested.property(
      'data.row.score',
      100,
    );
  });

  it('50 concurrent incr on one key add exactly 50', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => kernel.call('kv.notes.incr', { key: 'race' })),
    );
    expect(results.every((r) => r.ok)).to.equal(true);
    expect(await kernel.call('kv.notes.get', { key: 'race' })).to.have.nested.property('data.value', 50);
    const values = results.map((r) => (r as { data: { value: number } }).data.value).sort((a, b) => a - b);
    expect(values).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
