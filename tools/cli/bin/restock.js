#!/usr/bin/env node
// The `restock` operator CLI. Like the services, it runs its TypeScript through @swc-node/register
// with the workspace's tsconfig (for the @restock/* path aliases); there is no build step.
'use strict';
const { join } = require('node:path');

process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || join(__dirname, '..', '..', '..', 'tsconfig.json');
require('@swc-node/register');
require('reflect-metadata');
require('../src/main.ts');
