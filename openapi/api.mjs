// The API description: the one source the OpenAPI document is built from
// (openapi/build.mjs). kore.conf owns the routes, their methods, their
// query parameters and their authentication; this file says what each
// operation means, takes and answers. The build fails when the two differ.
//
// A route entry is keyed by the exact route string of kore.conf. Path
// parameters name kore.conf's capture groups in order; their patterns must
// rebuild the route's regex exactly.

const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const userIdPattern = '^[^/]{1,255}$';
const ts = (description) => ({ type: 'string', format: 'date-time', description });
const tsNull = (description) => ({ type: ['string', 'null'], format: 'date-time', description });
const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

export const info = {
  title: 'Tasks API',
  version: '1.0.0',
  summary: 'Tasks with tags, due dates and reminders for Better Auth users.',
  description: [
    'Every `/api` route needs `Authorization: Bearer <jwt>`, a token from',
    "Better Auth's `jwt` plugin (`GET /api/auth/token`). Use **Authorize**",
    'to paste one.',
    '',
    'Errors have FastAPI\'s shapes: `{"detail": "..."}`, and for 422 a list',
    'of every problem found. Timestamps are RFC 3339 in UTC with',
    'milliseconds; input accepts any offset. Every response carries',
    '`X-Request-ID`.',
    '',
    'As with FastAPI: a path with a trailing slash answers 307 to the route',
    'without it (query string kept); any `application/*+json` type is JSON;',
    "bodies follow pydantic v2's lax conversions (`\"yes\"` or `1` for a",
    'boolean, a Unix time for a date-time; never a number for a string), and',
    'of duplicate keys the last one wins.',
  ].join('\n'),
};

export const tags = [
  { name: 'tasks', description: "The signed-in user's tasks." },
  { name: 'tags', description: "The signed-in user's tag names." },
  { name: 'attachments', description: 'Files of a task, stored in PostgreSQL.' },
  { name: 'users', description: 'The signed-in user.' },
  { name: 'webhooks', description: "The signed-in user's webhook deliveries: each event sent to `webhook_url`, signed with `webhook_secret`." },
  { name: 'admin', description: 'Users, for tokens with `role: admin`.' },
  { name: 'compat', description: 'The common Better Auth + FastAPI to-do contract: `/api/{user_id}/tasks`, on the same handlers. A `user_id` other than the token\'s `sub` answers 403.' },
  { name: 'live', description: 'Your events as they happen: WebSocket or Server-Sent Events, with replay after a reconnect.' },
  { name: 'operations', description: 'Probes, metrics and this documentation.' },
];

// Schemas. Answers list every property and allow no others, so the
// conformance test notices a field the document does not know.
const taskExample = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  user_id: 'Yq1Kx0uW2NPvBaTn5lqPdKSEJ3qmxG9D',
  title: 'Buy milk',
  description: '2 litres',
  completed: false,
  completed_at: null,
  priority: 'high',
  due_at: '2026-11-30T17:00:00.000Z',
  remind_at: '2026-11-30T16:00:00.000Z',
  recurrence: 'weekly',
  tags: ['home', 'shopping'],
  created_at: '2026-11-26T10:57:25.123Z',
  updated_at: '2026-11-26T10:57:25.123Z',
};

const taskWritable = {
  title: { type: 'string', minLength: 1, maxLength: 200 },
  description: { type: 'string', maxLength: 4000, default: '' },
  completed: { type: 'boolean', default: false, description: 'Setting it sets or clears `completed_at`.' },
  priority: { $ref: '#/components/schemas/Priority', default: 'medium' },
  due_at: tsNull('Any RFC 3339 offset, or a Unix time (seconds; milliseconds over 2e10), as pydantic reads it; answered in UTC.'),
  remind_at: tsNull('When the reminder webhook fires.'),
  recurrence: { $ref: '#/components/schemas/RecurrenceOrNull', default: null },
  tags: {
    type: 'array', maxItems: 10, default: [],
    items: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' },
    description: 'Lower-cased; duplicates after lower-casing are merged.',
  },
};

export const schemas = {
  LiveEvent: {
    type: 'object', additionalProperties: false, required: ['id', 'type', 'created_at', 'data'],
    description: 'One event, as webhooks send it: `task.created`, `task.updated`, `task.completed`, `task.deleted` (the last state of the task), the other resources\' events, `reminder.due`, and `ping` (`POST /users/me/webhook/test`).',
    properties: {
      id: { type: 'string', pattern: '^[0-9]+$', description: 'Increases with each of your events; the `since` / `Last-Event-ID` to resume from.' },
      type: { type: 'string', maxLength: 64, examples: ['task.created'] },
      created_at: ts('When the change was committed.'),
      data: { type: 'object', description: 'The resource as the API answers it (for tasks: `Task`).' },
    },
  },
  LiveResync: {
    type: 'object', additionalProperties: false, required: ['type'],
    description: 'The `since` / `Last-Event-ID` given is not one of your retained events: reload your state, the live stream follows.',
    properties: { type: { const: 'resync' } },
  },
  LiveAuth: {
    type: 'object', additionalProperties: false, required: ['type', 'token'],
    description: 'Client to server (WebSocket): a fresh token of the same user extends the connection to its `exp`.',
    properties: { type: { const: 'auth' }, token: { type: 'string', maxLength: 8192 } },
  },
  HTTPError: {
    type: 'object',
    required: ['detail'],
    properties: { detail: { type: 'string' } },
    additionalProperties: false,
    examples: [{ detail: 'Task not found' }],
  },
  ValidationError: {
    type: 'object',
    required: ['type', 'loc', 'msg'],
    properties: {
      type: { type: 'string', description: "pydantic's error type" },
      loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
      msg: { type: 'string' },
      input: {},
      ctx: { type: 'object' },
    },
    additionalProperties: false,
  },
  HTTPValidationError: {
    type: 'object',
    required: ['detail'],
    properties: { detail: { type: 'array', minItems: 1, items: ref('ValidationError') } },
    additionalProperties: false,
    examples: [{
      detail: [{
        type: 'string_too_long', loc: ['body', 'title'],
        msg: 'String should have at most 200 characters', input: '…',
        ctx: { max_length: 200 },
      }],
    }],
  },
  Priority: { type: 'string', enum: ['low', 'medium', 'high', 'urgent'] },
  RecurrenceOrNull: {
    enum: ['daily', 'weekly', 'monthly', null],
    description: 'Needs a `due_at`.',
  },
  Task: {
    type: 'object',
    required: Object.keys(taskExample),
    properties: {
      id: { type: 'string', format: 'uuid' },
      user_id: { type: 'string' },
      title: taskWritable.title,
      description: { type: 'string', maxLength: 4000 },
      completed: { type: 'boolean' },
      completed_at: tsNull(),
      priority: ref('Priority'),
      due_at: tsNull(),
      remind_at: tsNull(),
      recurrence: ref('RecurrenceOrNull'),
      tags: { type: 'array', maxItems: 10, items: { type: 'string', pattern: '^[a-z0-9_-]{1,32}$' } },
      created_at: ts(),
      updated_at: ts(),
    },
    additionalProperties: false,
    examples: [taskExample],
  },
  TaskCreate: {
    type: 'object',
    required: ['title'],
    properties: taskWritable,
    description: 'Unknown and read-only fields are ignored.',
    examples: [{ title: 'Buy milk', priority: 'high', due_at: '2026-11-30T18:00:00+01:00', tags: ['Home'] }],
  },
  TaskUpdate: {
    type: 'object',
    properties: taskWritable,
    description: 'A JSON merge patch: only the fields given change; `null` clears a nullable field.',
    examples: [{ completed: true }, { due_at: null, tags: ['work'] }],
  },
  Attachment: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'task_id', 'filename', 'content_type', 'size', 'sha256', 'created_at'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      task_id: { type: 'string', format: 'uuid' },
      filename: { type: 'string', minLength: 1, maxLength: 255, description: 'The client\'s base name without path parts or control characters (1..255 bytes of UTF-8), else `file`.' },
      content_type: { type: 'string', minLength: 1, maxLength: 255, description: 'The part\'s type when it is a valid media type, else `application/octet-stream`.' },
      size: { type: 'integer', minimum: 0 },
      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Of the stored bytes; the download\'s ETag.' },
      created_at: { type: 'string', format: 'date-time' },
    },
  },
  AttachmentList: {
    type: 'object',
    additionalProperties: false,
    required: ['items', 'total', 'limit', 'offset', 'next_cursor'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/Attachment' } },
      total: { type: 'integer', minimum: 0, maximum: 100 },
      limit: { type: 'integer', minimum: 1, maximum: 100 },
      offset: { type: 'integer', minimum: 0 },
      next_cursor: { type: 'null', description: 'Always null: pages by offset (a task has at most 100).' },
    },
  },
  AttachmentUpload: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'One file; its part\'s filename and Content-Type are kept.' } },
  },
  TaskList: {
    type: 'object',
    required: ['items', 'total', 'total_exact', 'limit', 'offset', 'next_cursor'],
    properties: {
      items: { type: 'array', items: ref('Task') },
      total: {
        type: 'integer', minimum: 0,
        description: 'Exact for the unfiltered list and for `completed` alone; with other filters exact up to 10,000 matches, else 10,000.',
      },
      total_exact: { type: 'boolean', description: 'False when `total` stopped at 10,000.' },
      limit: { type: 'integer', minimum: 1, maximum: 100 },
      offset: { type: 'integer', minimum: 0 },
      next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last.' },
    },
    additionalProperties: false,
  },
  Tag: {
    type: 'object',
    required: ['name', 'task_count'],
    properties: { name: { type: 'string' }, task_count: { type: 'integer', minimum: 1 } },
    additionalProperties: false,
  },
  TagList: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('Tag') } },
    additionalProperties: false,
    examples: [{ items: [{ name: 'work', task_count: 3 }] }],
  },
  User: {
    type: 'object',
    required: ['id', 'email', 'name', 'image', 'role', 'timezone', 'webhook_url',
      'webhook_secret_set', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string', description: "Better Auth's user id (the token's `sub`)." },
      email: { type: ['string', 'null'] },
      name: { type: ['string', 'null'] },
      image: { type: ['string', 'null'] },
      role: { type: 'string' },
      timezone: { type: 'string' },
      webhook_url: { type: ['string', 'null'], format: 'uri' },
      webhook_secret_set: { type: 'boolean', description: 'The secret itself is never answered.' },
      created_at: ts(),
      updated_at: ts(),
    },
    additionalProperties: false,
  },
  UserUpdate: {
    type: 'object',
    properties: {
      timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'An IANA name, e.g. `Europe/Paris`.' },
      webhook_url: { type: ['string', 'null'], format: 'uri', maxLength: 2048 },
      webhook_secret: { type: ['string', 'null'], minLength: 16, maxLength: 256, writeOnly: true },
    },
    description: 'A JSON merge patch.',
    examples: [{ timezone: 'Europe/Paris', webhook_url: 'https://example.com/hooks/tasks' }],
  },
  UserList: {
    type: 'object',
    required: ['items', 'total', 'limit', 'offset', 'next_cursor'],
    properties: {
      items: { type: 'array', items: ref('User') },
      total: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 1, maximum: 100 },
      offset: { type: 'integer', minimum: 0 },
      next_cursor: { type: 'null' },
    },
    additionalProperties: false,
  },
  Delivery: {
    type: 'object', additionalProperties: false,
    required: ['id', 'event_id', 'event_type', 'status', 'attempts', 'last_status_code',
      'last_error', 'next_attempt_at', 'created_at', 'delivered_at'],
    description: 'One event on its way to your `webhook_url`. Never the URL or the secret.',
    properties: {
      id: { type: 'string', format: 'uuid' },
      event_id: { type: 'string', pattern: '^[0-9]+$', description: 'The event sent (`X-Event-Id`, `webhook-id`); the same on every attempt.' },
      event_type: { type: 'string', maxLength: 64, examples: ['task.created', 'ping'] },
      status: ref('DeliveryStatus'),
      attempts: { type: 'integer', minimum: 0, description: 'Attempts made (since the last retry through the API). An attempt counts from when it starts.' },
      last_status_code: { type: ['integer', 'null'], description: 'The HTTP status of the last attempt; null before any, or when it got no answer.' },
      last_error: { type: ['string', 'null'], maxLength: 512, description: 'Why the last attempt failed (`HTTP 500`, `timeout`, `address not allowed: ...`); null when it succeeded or before any.' },
      next_attempt_at: tsNull('When the next attempt is due, while `pending` or `failed`; null once `delivered` or `dead`.'),
      created_at: ts('When the event was queued.'),
      delivered_at: tsNull('When a 2xx answer came.'),
    },
    examples: [{
      id: '5b0c8f0e-3e4d-4a53-9a7e-0d4bd7b8a0c1', event_id: '1042', event_type: 'task.created',
      status: 'failed', attempts: 2, last_status_code: 503, last_error: 'HTTP 503',
      next_attempt_at: '2026-11-26T11:00:25.000Z', created_at: '2026-11-26T10:57:25.123Z', delivered_at: null,
    }],
  },
  DeliveryStatus: {
    type: 'string', enum: ['pending', 'failed', 'delivered', 'dead'],
    description: '`pending`: not attempted yet (or put back by a retry); `failed`: an attempt failed, the next is due at `next_attempt_at`; `delivered`: a 2xx answer; `dead`: `WEBHOOK_MAX_ATTEMPTS` attempts failed.',
  },
  DeliveryList: {
    type: 'object', additionalProperties: false,
    required: ['items', 'total', 'total_exact', 'limit', 'offset', 'next_cursor'],
    properties: {
      items: { type: 'array', items: ref('Delivery') },
      total: { type: 'integer', minimum: 0, maximum: 10000, description: 'Deliveries matching `status`, exact up to 10,000, else 10,000.' },
      total_exact: { type: 'boolean', description: 'False when `total` stopped at 10,000.' },
      limit: { type: 'integer', minimum: 1, maximum: 100 },
      offset: { type: 'integer', minimum: 0 },
      next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last.' },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: { status: { const: 'ok' } },
    additionalProperties: false,
  },
  Ready: {
    type: 'object',
    required: ['status', 'database', 'schema_version'],
    properties: {
      status: { const: 'ready' },
      database: { const: 'ok' },
      schema_version: { type: 'integer' },
    },
    additionalProperties: false,
  },
};

// Query parameters by kore.conf parameter name (a route's `query` may
// describe one its own way). String parameters without an enum or format
// take kore.conf's validator regex as their pattern; enum values and
// defaults kore.conf's regex would refuse fail the build.
export const queryParameters = {
  limit: { schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, description: 'Page size.' },
  offset: { schema: { type: 'integer', minimum: 0, maximum: 10000, default: 0 }, description: 'Items to skip; not with `cursor`.' },
  cursor: { schema: { type: 'string' }, description: '`next_cursor` of the previous page; not with `offset`.' },
  completed: { schema: { type: 'boolean' } },
  priority: { schema: ref('Priority') },
  tag: {
    schema: { type: 'array', items: { type: 'string' } },
    style: 'form', explode: true,
    description: 'Repeatable; every tag given must be on the task.',
  },
  due_before: { schema: { type: 'string', format: 'date-time' } },
  due_after: { schema: { type: 'string', format: 'date-time' } },
  overdue: { schema: { type: 'boolean' }, description: '`true`: due in the past and not completed.' },
  q: { schema: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Full-text search; every word must match, as a word prefix (`mil` finds "milk").' },
};

const taskSorts = ['created_at', 'updated_at', 'due_at', 'priority', 'title'];
const userSorts = ['created_at', 'email', 'name'];
const sortParam = (keys, dflt, what) => ({
  schema: { type: 'string', enum: keys.flatMap((k) => [k, `-${k}`]), default: dflt },
  description: `Sort key; \`-\` for descending. ${what}`,
});
// kore.conf's validator names per parameter when a name means two things.
export const queryParametersByValidator = {
  v_tasks_sort: sortParam(taskSorts, '-created_at',
    'Ties are broken by id; a null `due_at` sorts last both ways.'),
  v_users_sort: sortParam(userSorts, '-created_at', 'Ties are broken by id.'),
  v_delivery_status: { schema: ref('DeliveryStatus'), description: 'Only the deliveries in this state.' },
  v_live_since: {
    schema: { type: 'string', pattern: '^[0-9]{1,18}$' },
    description: 'The id of the last event received: the events after it are sent first, then the live stream. '
      + 'Not one of your retained events (pruned, never issued, another user\'s, `0`): `{"type": "resync"}` first.',
  },
  v_live_token: {
    schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,8192}$' },
    description: 'The JWT, for clients that can set neither `Authorization` nor `Sec-WebSocket-Protocol`.',
  },
};

const pathParams = {
  task_id: { schema: { type: 'string', format: 'uuid', pattern: uuidPattern }, description: 'A task id; anything else is a 404.' },
  user_id: { schema: { type: 'string', minLength: 1, maxLength: 255, pattern: userIdPattern }, description: "Must be the token's `sub`." },
  admin_user_id: { name: 'user_id', schema: { type: 'string', minLength: 1, maxLength: 255, pattern: userIdPattern } },
};

const header = (name, description, schema = { type: 'string' }) => ({ name, in: 'header', description, schema });
const ifMatch = header('If-Match', 'The ETag last seen; a stale one answers 412.');
const ifNoneMatch = header('If-None-Match', 'The ETag last seen; unchanged answers 304.');
const idempotencyKey = header('Idempotency-Key',
  'A retried create with the same key and body answers the first result (`Idempotent-Replayed: true`) for 24 h.',
  { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' });

const json = (schema, extra = {}) => ({ content: { 'application/json': { schema } }, ...extra });
// A request body: application/json, and for a merge patch its own type
// too; any other application/*+json is read as JSON as well.
const body = (schema, { mergePatch = false } = {}) => ({
  required: true,
  description: 'JSON; any `application/*+json` media type is accepted.',
  content: {
    'application/json': { schema },
    ...(mergePatch ? { 'application/merge-patch+json': { schema } } : {}),
  },
});
const err = (description, example) => ({
  description,
  ...json(ref('HTTPError')),
  ...(example ? { content: { 'application/json': { schema: ref('HTTPError'), example: { detail: example } } } } : {}),
});
const etagHeader = { ETag: { description: 'The row version, for If-Match and If-None-Match.', schema: { type: 'string' } } };

const taskAnswer = (description) => ({ description, ...json(ref('Task')), headers: etagHeader });
const notFound = err('No such task of this user (another user\'s task too).', 'Task not found');
const stale = err('If-Match does not match the current ETag.', 'Precondition Failed');

// Operations on the task routes, shared by /api/v1 and the compat routes.
const taskOps = {
  list: {
    summary: 'List tasks', operationId: 'list_tasks',
    description: 'Filters combine with AND. `offset` or `cursor` pages, not both (422).',
    responses: { 200: { description: 'A page of tasks.', ...json(ref('TaskList')) } },
  },
  create: {
    summary: 'Create a task', operationId: 'create_task',
    parameters: [idempotencyKey],
    requestBody: body(ref('TaskCreate')),
    responses: {
      201: {
        ...taskAnswer('Created.'),
        headers: {
          ...etagHeader,
          Location: { description: 'The new task.', schema: { type: 'string' } },
          'Idempotent-Replayed': { description: '`true` when a retry with an Idempotency-Key already used answers the first result.', schema: { const: 'true' } },
        },
      },
      409: err('The same Idempotency-Key is used by a request still running, or its task was deleted.'),
    },
  },
  get: {
    summary: 'Get a task', operationId: 'get_task',
    parameters: [ifNoneMatch],
    responses: {
      200: taskAnswer('The task.'),
      304: { description: 'Unchanged since If-None-Match.', headers: etagHeader },
      404: notFound,
    },
  },
  put: {
    summary: 'Replace a task', operationId: 'replace_task',
    description: 'Every writable field is set; the ones left out take their defaults.',
    parameters: [ifMatch],
    requestBody: body(ref('TaskCreate')),
    responses: { 200: taskAnswer('The task as stored.'), 404: notFound, 412: stale },
  },
  patch: {
    summary: 'Update a task', operationId: 'update_task',
    parameters: [ifMatch],
    requestBody: body(ref('TaskUpdate'), { mergePatch: true }),
    responses: { 200: taskAnswer('The task as stored.'), 404: notFound, 412: stale },
  },
  delete: {
    summary: 'Delete a task', operationId: 'delete_task',
    parameters: [ifMatch],
    responses: { 204: { description: 'Deleted.' }, 404: notFound, 412: stale },
  },
  complete: {
    summary: 'Toggle completion', operationId: 'toggle_task_completion',
    description: 'Completing a recurring task creates its next occurrence once (its id in `X-Next-Task-Id`).',
    parameters: [ifMatch],
    responses: {
      200: {
        ...taskAnswer('The task as stored.'),
        headers: { ...etagHeader, 'X-Next-Task-Id': { description: 'The next occurrence, when this call created it.', schema: { type: 'string', format: 'uuid' } } },
      },
      404: notFound,
      412: stale,
    },
  },
};

// Copies of the task operations for the compat routes.
const compat = (op) => ({
  ...op,
  operationId: `compat_${op.operationId}`,
  tags: ['compat'],
  responses: { ...op.responses, 403: err("The path's user_id is not the token's sub.", 'Not enough permissions') },
});

const file = (type, description) => ({
  description, content: { [type]: { schema: { type: 'string' } } },
});

export const routes = {
  '/api/v1/ws': {
    path: '/api/v1/ws', tags: ['live'], ops: {
      get: {
        summary: 'Live updates over WebSocket', operationId: 'live_ws',
        description: [
          'Upgrades to a WebSocket (RFC 6455) that pushes your events, the same objects as webhooks (`LiveEvent`), in id order, whichever worker or instance made the change.',
          'The token: `Authorization: Bearer <jwt>`, the subprotocol pair `Sec-WebSocket-Protocol: bearer, <jwt>` (answered with `bearer`; what a browser can send), or `?access_token=`. A missing or bad token is refused before the upgrade, with the 401 every route answers.',
          'Messages from the server: `LiveEvent`, or `{"type": "resync"}` (`LiveResync`) when `since` is not one of your retained events. From the client: `{"type": "auth", "token": "<jwt>"}` (`LiveAuth`) at any time to extend the connection.',
          'Close codes: 4001 the token expired (its `exp` plus `JWT_LEEWAY_SECONDS`) with no fresh one, or a refused `auth` token; 4003 an `auth` token of another user; 1013 more than 1 MiB behind (reconnect with `since`); 1001 the server is shutting down. Pings every 30 s; a peer silent for 60 s is dropped.',
          'At most `LIVE_MAX_CONNECTIONS_PER_USER` (default 20) live connections a user, over every instance: the next one answers 429 (`Retry-After: 5`); 503 while the database is unavailable.',
        ].join('\n\n'),
        parameters: [
          header('Upgrade', '`websocket`.'),
          header('Sec-WebSocket-Key', 'RFC 6455.'),
          header('Sec-WebSocket-Version', '`13`.'),
          header('Sec-WebSocket-Protocol', '`bearer, <jwt>`: the token, for browsers.'),
        ],
        responses: {
          101: {
            description: 'Switching to the WebSocket protocol; messages are `LiveEvent` or `LiveResync` JSON text frames.',
            headers: { 'Sec-WebSocket-Protocol': { description: '`bearer` when the client offered it.', schema: { type: 'string' } } },
          },
          400: { description: 'Not a valid WebSocket handshake (no `Sec-WebSocket-Key`, version not 13).' },
        },
      },
    },
  },
  '/api/v1/events': {
    path: '/api/v1/events', tags: ['live'], ops: {
      get: {
        summary: 'Live updates as Server-Sent Events', operationId: 'live_events',
        description: [
          'The same stream as `/api/v1/ws` as `text/event-stream`: each event as `id: <event id>` and `data: <LiveEvent JSON>`, a `: ping` comment every 15 s. No compression, `Cache-Control: no-store`.',
          '`Last-Event-ID` (sent by `EventSource` when it reconnects) replays your events after that id first, then continues live; anything but one of your retained events sends a `data: {"type":"resync"}` event first.',
          'When the token expires (its `exp` plus `JWT_LEEWAY_SECONDS`) the stream ends; reconnect with a fresh token and `Last-Event-ID`.',
        ].join('\n\n'),
        parameters: [header('Last-Event-ID', 'The id of the last event received.')],
        responses: {
          200: {
            description: 'The stream: `LiveEvent` objects as `data:` lines, ids as `id:` lines.',
            content: { 'text/event-stream': { schema: { type: 'string' }, example: 'id: 42\ndata: {"id":"42","type":"task.created","created_at":"2026-01-01T00:00:00Z","data":{}}\n\n' } },
          },
        },
      },
    },
  },
  '/healthz': {
    path: '/healthz', tags: ['operations'], ops: {
      get: {
        summary: 'Liveness', operationId: 'healthz', database: false,
        responses: { 200: { description: 'The process serves.', ...json(ref('Health')) } },
      },
    },
  },
  '/readyz': {
    path: '/readyz', tags: ['operations'], ops: {
      get: {
        summary: 'Readiness', operationId: 'readyz',
        responses: {
          200: { description: 'The database answers and its schema is current.', ...json(ref('Ready')) },
          503: err('The database is down or its schema is not current.', 'Database unavailable'),
        },
      },
    },
  },
  '/metrics': {
    path: '/metrics', tags: ['operations'], ops: {
      get: {
        summary: 'Prometheus metrics', operationId: 'metrics', database: false,
        description: 'Summed over all workers. Needs `Authorization: Bearer <METRICS_TOKEN>` when that is set.',
        security: [{}, { MetricsToken: [] }],
        responses: {
          200: file('text/plain', 'Prometheus text format 0.0.4.'),
          401: { ...err('METRICS_TOKEN is set and was not given.', 'Not authenticated'), headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } },
        },
      },
    },
  },
  '/openapi.json': {
    path: '/openapi.json', tags: ['operations'], ops: {
      get: {
        summary: 'This document', operationId: 'openapi', database: false,
        responses: {
          200: { description: 'OpenAPI 3.1.', ...json({ type: 'object' }), headers: etagHeader },
          304: { description: 'Unchanged.' },
        },
      },
    },
  },
  '/docs': {
    path: '/docs', tags: ['operations'], ops: {
      get: {
        summary: 'Swagger UI', operationId: 'docs', database: false,
        description: 'Served from the module\'s own files; works offline.',
        responses: { 200: { ...file('text/html', 'The page.'), headers: etagHeader }, 304: { description: 'Unchanged.' } },
      },
    },
  },
  '^/docs/([a-z0-9._-]{1,64})$': {
    path: '/docs/{asset}', tags: ['operations'],
    params: { asset: { schema: { type: 'string', pattern: '^[a-z0-9._-]{1,64}$' } } },
    ops: {
      get: {
        summary: 'Swagger UI files', operationId: 'docs_asset', database: false,
        responses: {
          200: { ...file('application/octet-stream', 'The file, with its own content type.'), headers: etagHeader },
          304: { description: 'Unchanged.' },
          404: err('No such file.', 'Not Found'),
        },
      },
    },
  },
  '/api/v1/users/me': {
    path: '/api/v1/users/me', tags: ['users'], ops: {
      get: {
        summary: 'The signed-in user', operationId: 'get_me',
        responses: { 200: { description: 'The user.', ...json(ref('User')) } },
      },
      patch: {
        summary: 'Update the signed-in user', operationId: 'update_me',
        requestBody: body(ref('UserUpdate'), { mergePatch: true }),
        responses: { 200: { description: 'The user as stored.', ...json(ref('User')) } },
      },
      delete: {
        summary: 'Delete the signed-in user and all their data', operationId: 'delete_me',
        responses: { 204: { description: 'Deleted.' } },
      },
    },
  },
  '/api/v1/users': {
    path: '/api/v1/users', tags: ['admin'],
    query: {
      offset: { schema: { type: 'integer', minimum: 0, maximum: 10000, default: 0 }, description: 'Users to skip.' },
      q: { schema: { type: 'string', minLength: 1, maxLength: 200 }, description: 'A substring of the email or the name, case-insensitive.' },
    },
    ops: {
      get: {
        summary: 'List users', operationId: 'list_users',
        responses: { 200: { description: 'A page of users.', ...json(ref('UserList')) } },
      },
    },
  },
  '^/api/v1/users/([^/]{1,255})$': {
    path: '/api/v1/users/{user_id}', tags: ['admin'],
    params: { user_id: pathParams.admin_user_id },
    ops: {
      get: {
        summary: 'Get a user', operationId: 'get_user',
        responses: {
          200: { description: 'The user.', ...json(ref('User')) },
          404: err('No such user.', 'User not found'),
        },
      },
    },
  },
  '/api/v1/tasks': {
    path: '/api/v1/tasks', tags: ['tasks'],
    ops: { get: taskOps.list, post: taskOps.create },
  },
  [`^/api/v1/tasks/(${uuidPattern.slice(1, -1)})$`]: {
    path: '/api/v1/tasks/{task_id}', tags: ['tasks'],
    params: { task_id: pathParams.task_id },
    ops: { get: taskOps.get, put: taskOps.put, patch: taskOps.patch, delete: taskOps.delete },
  },
  [`^/api/v1/tasks/(${uuidPattern.slice(1, -1)})/complete$`]: {
    path: '/api/v1/tasks/{task_id}/complete', tags: ['tasks'],
    params: { task_id: pathParams.task_id },
    ops: { patch: taskOps.complete },
  },
  '/api/v1/tags': {
    path: '/api/v1/tags', tags: ['tags'], ops: {
      get: {
        summary: 'List tags with task counts', operationId: 'list_tags',
        responses: { 200: { description: 'By name.', ...json(ref('TagList')) } },
      },
    },
  },
  '^/api/([^/]{1,255})/tasks$': {
    path: '/api/{user_id}/tasks', tags: ['compat'],
    params: { user_id: pathParams.user_id },
    ops: { get: compat(taskOps.list), post: compat(taskOps.create) },
  },
  [`^/api/([^/]{1,255})/tasks/(${uuidPattern.slice(1, -1)})$`]: {
    path: '/api/{user_id}/tasks/{task_id}', tags: ['compat'],
    params: { user_id: pathParams.user_id, task_id: pathParams.task_id },
    ops: {
      get: compat(taskOps.get), put: compat(taskOps.put),
      patch: compat(taskOps.patch), delete: compat(taskOps.delete),
    },
  },
  [`^/api/([^/]{1,255})/tasks/(${uuidPattern.slice(1, -1)})/complete$`]: {
    path: '/api/{user_id}/tasks/{task_id}/complete', tags: ['compat'],
    params: { user_id: pathParams.user_id, task_id: pathParams.task_id },
    ops: { patch: compat(taskOps.complete) },
  },
};

const attNotFound = err('No such attachment of this user (another user\'s too).', 'Attachment not found');
const bytesHeaders = {
  ETag: { description: 'The sha256 of the file, quoted.', schema: { type: 'string' } },
  'Accept-Ranges': { schema: { const: 'bytes' } },
  'Content-Disposition': { description: 'Always `attachment`, with an ASCII `filename` and the UTF-8 `filename*`.', schema: { type: 'string' } },
  'Content-Security-Policy': { description: 'Includes `sandbox`: a file never renders as this origin.', schema: { type: 'string' } },
  'X-Content-Type-Options': { schema: { const: 'nosniff' } },
};
routes[`^/api/v1/tasks/(${uuidPattern.slice(1, -1)})/attachments$`] = {
  path: '/api/v1/tasks/{task_id}/attachments', tags: ['attachments'],
  params: { task_id: pathParams.task_id },
  ops: {
    get: {
      summary: 'List a task\'s attachments', operationId: 'list_attachments',
      description: 'Oldest first. At most 100 a task.',
      responses: { 200: { description: 'A page of attachments.', ...json(ref('AttachmentList')) }, 404: notFound },
    },
    post: {
      summary: 'Upload an attachment', operationId: 'upload_attachment',
      description: 'One part named `file`, at most `UPLOAD_MAX_BYTES` (default 10 MiB; a larger Content-Length is refused before the body is read), within the user\'s `STORAGE_QUOTA_BYTES`. A malformed body (no boundary, truncated, no `file`, two files, a part header block over 8 KiB) is a 422 naming the problem, and nothing is stored.',
      requestBody: {
        required: true,
        content: { 'multipart/form-data': { schema: ref('AttachmentUpload') } },
      },
      responses: {
        201: {
          description: 'Stored.', ...json(ref('Attachment')),
          headers: { Location: { description: 'The attachment\'s download URL.', schema: { type: 'string' } } },
        },
        404: notFound,
        409: err('The task has 100 attachments.', 'Too many attachments'),
        413: err('The file is over UPLOAD_MAX_BYTES, or the user\'s quota is used up.', 'Storage quota exceeded'),
        415: err('Not multipart/form-data.', 'Content-Type must be multipart/form-data'),
      },
    },
  },
};
routes[`^/api/v1/attachments/(${uuidPattern.slice(1, -1)})$`] = {
  path: '/api/v1/attachments/{attachment_id}', tags: ['attachments'],
  params: { attachment_id: { schema: { type: 'string', format: 'uuid', pattern: uuidPattern }, description: 'An attachment id; anything else is a 404.' } },
  ops: {
    get: {
      summary: 'Download an attachment', operationId: 'download_attachment',
      description: 'Always as a download (`Content-Disposition: attachment`, `Content-Security-Policy: sandbox`, `nosniff`), whatever the stored type. One `Range` (`bytes=a-b`, `a-`, `-n`) answers 206; several answer the whole file.',
      parameters: [
        header('If-None-Match', 'The ETag last seen; unchanged answers 304.'),
        header('Range', 'One byte range, e.g. `bytes=0-1023`, `bytes=1024-`, `bytes=-512`.'),
      ],
      responses: {
        200: { description: 'The file, with its stored Content-Type.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } }, headers: bytesHeaders },
        206: {
          description: 'The requested range.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          headers: { ...bytesHeaders, 'Content-Range': { description: '`bytes first-last/size`.', schema: { type: 'string' } } },
        },
        304: { description: 'Unchanged since If-None-Match.', headers: { ETag: bytesHeaders.ETag } },
        404: attNotFound,
        416: { ...err('The range starts past the end.', 'Range Not Satisfiable'), headers: { 'Content-Range': { description: '`bytes */size`.', schema: { type: 'string' } } } },
      },
    },
    delete: {
      summary: 'Delete an attachment', operationId: 'delete_attachment',
      responses: { 204: { description: 'Deleted; its bytes no longer count against the quota.' }, 404: attNotFound },
    },
  },
};

const deliveryNotFound = err('No such delivery of this user (another user\'s too).', 'Delivery not found');
const noWebhook = 'No webhook_url set';
routes['/api/v1/users/me/deliveries'] = {
  path: '/api/v1/users/me/deliveries', tags: ['webhooks'],
  ops: {
    get: {
      summary: 'List your webhook deliveries', operationId: 'list_deliveries',
      description: 'Newest first (by `created_at`, ties by `id`). `offset` or `cursor` pages, not both (422). Deliveries go with their events after `EVENTS_RETENTION_HOURS` once closed, and all of them with `DELETE /users/me`.',
      responses: { 200: { description: 'A page of deliveries.', ...json(ref('DeliveryList')) } },
    },
  },
};
routes[`^/api/v1/users/me/deliveries/(${uuidPattern.slice(1, -1)})/retry$`] = {
  path: '/api/v1/users/me/deliveries/{delivery_id}/retry', tags: ['webhooks'],
  params: { delivery_id: { schema: { type: 'string', format: 'uuid', pattern: uuidPattern }, description: 'A delivery id; anything else is a 404.' } },
  ops: {
    post: {
      summary: 'Retry a dead or failed delivery', operationId: 'retry_delivery',
      description: [
        'Puts a `dead` or `failed` delivery back in the queue: `pending`, due now, `attempts` back to 0, so it gets a fresh set of `WEBHOOK_MAX_ATTEMPTS` attempts with the backoff from its start. `last_status_code` and `last_error` stay until the next attempt. The same event is sent (same `X-Event-Id`).',
        'Your deliveries go in event order: while this older one is open, your newer ones wait for it. No body is needed (send `Content-Length: 0`).',
      ].join('\n\n'),
      responses: {
        202: { description: 'Queued again.', ...json(ref('Delivery')) },
        404: deliveryNotFound,
        409: err('Already `delivered` (`Delivery already delivered`), still `pending` (`Delivery already queued`), an attempt is running right now (`Delivery is being attempted`), or you have no `webhook_url` (`' + noWebhook + '`).', 'Delivery already delivered'),
      },
    },
  },
};
routes['/api/v1/users/me/webhook/test'] = {
  path: '/api/v1/users/me/webhook/test', tags: ['webhooks'],
  ops: {
    post: {
      summary: 'Send a test ping to your webhook', operationId: 'test_webhook',
      description: 'Queues a `ping` event (`{"id", "type": "ping", "created_at", "data": {"user_id", "webhook_url"}}`) for your `webhook_url`, signed and retried like every event; it also appears on the live stream. It waits behind any of your older open deliveries. No body is needed (send `Content-Length: 0`).',
      responses: {
        202: { description: 'The ping\'s delivery.', ...json(ref('Delivery')) },
        409: err('You have no `webhook_url` (set one with `PATCH /users/me`).', noWebhook),
      },
    },
  },
};

// kore.conf handlers that are not API routes.
export const undocumentedHandlers = ['page_not_found'];
