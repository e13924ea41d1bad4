import { upcastStoredEventData, validateEventData } from '../event-catalogue';
import { upcastIntelligenceReceivedV1 } from './intelligence-received.upcaster';

const v1 = {
  reportRef: 'VEN-INT-2020-000417',
  fromAgency: 'NCA',
  grading: '1/B/C',
  handlingConditions: 'No executive action without NCA consultation',
  priority: 'HIGH',
  threatToLife: true,
  subjects: ['SUBJ-7F3K2'],
  region: 'north-west',
} as const;

const v2 = {
  reportRef: 'VEN-INT-2020-000417',
  fromAgency: 'NCA',
  grading: {
    source: 1,
    intelligence: 'B',
    handling: 'C',
    conditions: 'No executive action without NCA consultation',
  },
  priority: 'HIGH',
  threatToLife: true,
  subjects: ['SUBJ-7F3K2'],
  region: 'north-west',
};

describe('IntelligenceReceived v1 → v2', () => {
  it('turns the compact grading and its conditions into one structured grading', () => {
    expect(upcastIntelligenceReceivedV1(v1)).toEqual(v2);
  });

  it('drops nothing but the moved fields when handling is P', () => {
    const { handlingConditions: _conditions, ...permitted } = {
      ...v1,
      grading: '3/E/P',
      priority: 'HIGH' as const,
    };
    expect(upcastIntelligenceReceivedV1(permitted)).toEqual({
      ...v2,
      grading: { source: 3, intelligence: 'E', handling: 'P' },
    });
  });

  it('is what validateEventData returns for v1 data: the current version', () => {
    expect(validateEventData('IntelligenceReceived', 1, v1)).toEqual({
      ok: true,
      schemaVersion: 2,
      data: v2,
    });
  });

  it('upcasts stored v1 data on read, as read models fold it', () => {
    expect(upcastStoredEventData('IntelligenceReceived', 1, v1)).toEqual(v2);
    expect(upcastStoredEventData('IntelligenceReceived', 2, v2)).toBe(v2);
  });

  it('upcasts a stored correction whose replacement was stored at v1', () => {
    const correction = {
      correctsEventId: '2b0c8f0e-6d1f-4a59-9a3e-5f1e2d7c4b10',
      correctedType: 'IntelligenceReceived',
      replacement: v1,
      replacementSchemaVersion: 1,
      reason: 'Grading revised on review',
    };
    expect(upcastStoredEventData('EventCorrected', 1, correction)).toEqual({
      ...correction,
      replacement: v2,
      replacementSchemaVersion: 2,
    });
  });

  it('refuses a stored version that was never published', () => {
    expect(() => upcastStoredEventData('IntelligenceReceived', 3, v2)).toThrow(
      'Stored IntelligenceReceived event has unknown schema version 3',
    );
    expect(() => upcastStoredEventData('Teleported', 1, {})).toThrow(
      'Stored event of unknown type "Teleported"',
    );
  });
});
