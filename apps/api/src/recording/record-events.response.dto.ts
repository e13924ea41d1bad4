import { ApiProperty } from '@nestjs/swagger';

export class RecordedEventDto {
  @ApiProperty({ format: 'uuid' })
  readonly eventId!: string;

  @ApiProperty({ example: 'SeizureRecorded' })
  readonly type!: string;

  @ApiProperty({ example: 7, description: 'Revision of the event in its operation (0 for the first)' })
  readonly streamRevision!: number;

  @ApiProperty({
    example: '1042',
    description: 'Global position in the log (for read-your-writes: minPosition)',
  })
  readonly position!: string;
}

export class RecordEventsResponseDto {
  @ApiProperty({ example: 'venetic' })
  readonly operationId!: string;

  @ApiProperty({ example: 7, description: "The operation's revision after the write; also the ETag" })
  readonly streamRevision!: number;

  @ApiProperty({ example: '1042', description: 'Global position of the last event written' })
  readonly position!: string;

  @ApiProperty({ type: [RecordedEventDto] })
  readonly events!: RecordedEventDto[];

  @ApiProperty({
    description: 'True when an identical earlier request had already recorded everything (status 200)',
  })
  readonly replayed!: boolean;
}
