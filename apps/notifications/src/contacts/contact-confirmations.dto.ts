import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { CustomerParams } from '../shared/params.js';

/** `/customers/:id/contacts/:channel/confirm`. */
export class ContactChannelParams extends CustomerParams {
  @ApiProperty({ enum: ['email', 'sms'], description: 'Which contact: the email address or the phone number of the preferences' })
  @IsIn(['email', 'sms'])
  channel!: 'email' | 'sms';
}

export class ConfirmContactDto {
  @ApiProperty({ example: '483920', pattern: '^[0-9]{6}$', description: 'The six-digit code sent to the address or number' })
  @IsString()
  @Matches(/^[0-9]{6}$/, { message: '$property must be the six digits sent to the address or number' })
  code!: string;
}
