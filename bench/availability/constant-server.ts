import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

/** The availability benchmark's baseline: the same route on NestJS + Fastify, answering a constant. */
@Controller()
class ConstantController {
  @Get('availability/:sku')
  availability(@Param('sku') sku: string) {
    return { sku, quantity: 1, status: 'IN_STOCK', canOrder: true, availableNow: 1, eta: null, etaConfidence: null };
  }

  @Get('health/ready')
  ready() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [ConstantController] })
class ConstantModule {}

export async function startConstantServer(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const app = await NestFactory.create<NestFastifyApplication>(ConstantModule, new FastifyAdapter(), { logger: false });
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { url: `http://127.0.0.1:${bound}`, close: () => app.close() };
}

// Started as a child process by the benchmark (tools/stack/services.mjs passes the port as FULFILLMENT_PORT).
if (require.main === module) {
  void startConstantServer(Number(process.env.FULFILLMENT_PORT ?? 0));
}
