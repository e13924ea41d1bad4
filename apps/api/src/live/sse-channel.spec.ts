import { SseChannel, type SseCloseReason } from './sse-channel';
import { FakeSseResponse } from './testing/fake-sse-response';

/** A response that records what is written and lets the test say how much the socket still holds. */

const options = { heartbeatMs: 1000, maxBufferedBytes: 100, retryMs: 2000 };

function open(): { response: FakeSseResponse; channel: SseChannel; reasons: SseCloseReason[] } {
  const response = new FakeSseResponse();
  const channel = new SseChannel(response.asServerResponse(), options);
  const reasons: SseCloseReason[] = [];
  channel.onClose((reason) => reasons.push(reason));
  channel.open({ 'x-frame-options': 'DENY' });
  return { response, channel, reasons };
}

describe('SseChannel', () => {
  afterEach(() => jest.useRealTimers());

  it('writes event-stream headers, the retry hint, and frames with id and JSON data', () => {
    const { response, channel } = open();
    channel.send({ id: '7', data: { type: 'ArrestMade', n: 1 } });
    channel.send({ event: 'note', data: 'text' });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'x-frame-options': 'DENY',
    });
    expect(response.written).toBe(
      'retry: 2000\n\nid: 7\ndata: {"type":"ArrestMade","n":1}\n\nevent: note\ndata: "text"\n\n',
    );
  });

  it('sends a heartbeat comment at each interval until closed', () => {
    jest.useFakeTimers();
    const { response, channel } = open();
    jest.advanceTimersByTime(2500);
    expect(response.written.match(/: heartbeat\n\n/g)).toHaveLength(2);
    channel.close();
    jest.advanceTimersByTime(5000);
    expect(response.written.match(/: heartbeat\n\n/g)).toHaveLength(2);
  });

  it('tells a client that holds too much unsent data where it got to, then disconnects it', () => {
    const { response, channel, reasons } = open();
    channel.send({ id: '41', data: 1 });
    response.writableLength = 101;
    expect(channel.send({ id: '42', data: 2 })).toBe(false);
    expect(response.written).toContain(
      'event: overflow\ndata: {"code":"live.client-too-slow","message":"The client fell too far behind; reconnect with Last-Event-ID to resume","lastEventId":"41"}\n\n',
    );
    expect(response.written).not.toContain('id: 42');
    expect(response.ended).toBe(true);
    expect(reasons).toEqual(['overflow']);
    expect(channel.send({ id: '43', data: 3 })).toBe(false);
  });

  it('reports a client that went away once, and stops writing', () => {
    const { response, channel, reasons } = open();
    response.emit('close');
    response.emit('close');
    expect(reasons).toEqual(['client-closed']);
    expect(channel.send({ id: '1', data: 1 })).toBe(false);
  });

  it('closes at once, releasing what it holds, when the client went away before the stream opened', () => {
    const response = new FakeSseResponse();
    const channel = new SseChannel(response.asServerResponse(), options);
    const reasons: SseCloseReason[] = [];
    channel.onClose((reason) => reasons.push(reason));
    // The socket closed (and 'close' was emitted) while the request was still being checked.
    Object.assign(response, { destroyed: true });
    channel.open();
    expect(reasons).toEqual(['client-closed']);
    expect(channel.isClosed).toBe(true);
    expect(response.written).toBe('');
    expect(channel.send({ id: '1', data: 1 })).toBe(false);
  });
});
