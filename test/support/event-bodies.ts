/**
 * Request bodies' events that many end-to-end tests post: a routine intelligence
 * report (graded 2/B, handling P, no threat to life) about one subject.
 */
export function intelligenceReport(reportRef: string, subject: string, region = 'north-west') {
  return {
    type: 'IntelligenceReceived',
    occurredAt: '2020-04-20T10:00:00Z',
    data: {
      reportRef,
      fromAgency: 'NCA',
      grading: { source: 2, intelligence: 'B', handling: 'P' },
      priority: 'LOW',
      threatToLife: false,
      subjects: [subject],
      region,
    },
  };
}
