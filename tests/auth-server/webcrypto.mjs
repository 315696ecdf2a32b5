// Node.js 18 (Debian 12's) has Web Crypto as a global only behind a flag;
// Better Auth's id and key helpers call the global `crypto`. server.mjs
// imports this first, so the global exists before any of them runs.
import { webcrypto } from "node:crypto";

if (globalThis.crypto === undefined) globalThis.crypto = webcrypto;
