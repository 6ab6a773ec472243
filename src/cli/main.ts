#!/usr/bin/env node
/**
 * The `memplane` executable (package.json `bin`). Everything lives in {@link runCli}; this file
 * only sets V8's flags (v8-tuning.ts), loads reflect-metadata for inversify, runs it and sets the
 * exit code (letting stdout drain rather than calling process.exit).
 */
import "./v8-tuning.js"; // first: V8 flags for everything after it
import "reflect-metadata";
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv.slice(2));
