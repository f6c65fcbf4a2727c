import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, IsOptional, ValidateBy, ValidateIf, ValidateNested, type ValidationArguments } from 'class-validator';
import { IsClockTime, IsE164, IsEmailAddress, IsLocale, IsTimeZone } from '../shared/validation.js';

export class ChannelsDto {
  @ApiProperty({ description: 'Tell the customer by email (needs `email`)' })
  @IsBoolean()
  email!: boolean;

  @ApiProperty({ description: 'Tell the customer by SMS (needs `phone`)' })
  @IsBoolean()
  sms!: boolean;

  @ApiProperty({ description: 'Tell the customer in the web inbox and its live stream' })
  @IsBoolean()
  web!: boolean;
}

export class QuietHoursDto {
  @ApiProperty({ example: '22:00', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })
  @IsClockTime()
  start!: string;

  @ApiProperty({ example: '07:00', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Before start: the window spans midnight' })
  @IsClockTime()
  @ValidateBy({
    name: 'differsFromStart',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => value !== (args?.object as QuietHoursDto | undefined)?.start,
      defaultMessage: () => 'end must differ from start (an empty window is no quiet hours: omit quietHours)',
    },
  })
  end!: string;
}

export class PreferencesDto {
  @ApiPropertyOptional({ type: String, example: 'ada@example.com', maxLength: 254, nullable: true, description: 'Required when channels.email is true' })
  @ValidateIf((o: PreferencesDto) => o.email !== undefined && o.email !== null ? true : o.channels?.email === true)
  @IsEmailAddress({ message: '$property must be an email address (required when channels.email is true)' })
  email?: string | null;

  @ApiPropertyOptional({ type: String, example: '+4915123456789', pattern: '^\\+[1-9][0-9]{6,14}$', nullable: true, description: 'E.164; required when channels.sms is true' })
  @ValidateIf((o: PreferencesDto) => o.phone !== undefined && o.phone !== null ? true : o.channels?.sms === true)
  @IsE164({ message: '$property must be an E.164 phone number such as +4915123456789 (required when channels.sms is true)' })
  phone?: string | null;

  @ApiPropertyOptional({ example: 'de', default: 'en', description: 'Language of the messages (en, de; others fall back to en)' })
  @IsOptional()
  @IsLocale()
  locale?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', description: 'IANA time zone: quiet hours are in this local time' })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string;

  @ApiProperty({ type: ChannelsDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelsDto)
  channels!: ChannelsDto;

  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true, description: 'Nothing is sent in this local window; it is held until the window ends' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;
}

export class ChannelsView {
  @ApiProperty()
  email!: boolean;

  @ApiProperty()
  sms!: boolean;

  @ApiProperty()
  web!: boolean;
}

export class QuietHoursView {
  @ApiProperty({ example: '22:00' })
  start!: string;

  @ApiProperty({ example: '07:00' })
  end!: string;
}

export class ConfirmedContactsView {
  @ApiProperty()
  email!: boolean;

  @ApiProperty()
  sms!: boolean;
}

export class EmailSuppressionView {
  @ApiProperty({ enum: ['bounce', 'complaint'], description: 'The mail provider reported a hard bounce of, or a complaint about, a message to this address' })
  reason!: 'bounce' | 'complaint';

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export class PreferencesView {
  @ApiProperty()
  customerId!: string;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;

  @ApiProperty({ type: String, nullable: true })
  phone!: string | null;

  @ApiProperty({ example: 'en' })
  locale!: string;

  @ApiProperty({ example: 'Europe/Berlin' })
  timeZone!: string;

  @ApiProperty({ type: ChannelsView })
  channels!: ChannelsView;

  @ApiProperty({ type: QuietHoursView, nullable: true })
  quietHours!: QuietHoursView | null;

  @ApiProperty({ description: 'The phone number replied STOP: no SMS until it replies START' })
  smsOptedOut!: boolean;

  @ApiProperty({
    type: ConfirmedContactsView,
    description: 'Whether the owner confirmed the email address / phone number with the code sent to it; an unconfirmed one gets no notifications',
  })
  confirmed!: ConfirmedContactsView;

  @ApiProperty({
    type: EmailSuppressionView,
    nullable: true,
    description: 'Set when the address bounced or was complained about (ADR 0032): it gets no email until its owner confirms it again (set the preferences again for a new code)',
  })
  emailSuppressed!: EmailSuppressionView | null;

  @ApiProperty({ description: 'Version of the customer stream' })
  version!: number;
}
