// The bare request the system is measured against (issue 12): NestJS 12 + Fastify + ValidationPipe
// answering a validated JSON POST with no I/O, in a process of its own like every service. Prints
// `listening <port>` once it accepts connections.
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

class BareCommand {
  @IsString()
  @Length(1, 64)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}

@Controller()
class BareController {
  @Post('bare')
  @HttpCode(200)
  accept(@Body() command: BareCommand): { sku: string; quantity: number } {
    return { sku: command.sku, quantity: command.quantity };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const address = app.getHttpServer().address() as { port: number };
process.stdout.write(`listening ${address.port}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
