/**
 * A 3-node EventStoreDB cluster for tests: three {@link EventStoreDbTestServer} nodes
 * on their own ports sharing one log (replication is instant unless a node lags), with
 * the gossip a client discovers the leader by, and the events of a cluster's life:
 * an election with a window without a leader, the leader killed, a leader demoted but
 * still live (a follower that forwards writes and whose view of the log stopped), a
 * stuck node that accepts calls and never answers.
 *
 * TEST INFRASTRUCTURE: not a database, and not a consensus implementation. The states,
 * the answers to requests in each state and the gossip are EventStoreDB's; quorum,
 * replication and truncation are not modelled: an acknowledged write is in the shared log.
 */
import { EndPoint, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import { UUID } from '@eventstore/db-client/generated/shared_pb';
import { InMemoryLog } from './in-memory-log';
import {
  EventStoreDbTestServer,
  type EventStoreDbTestServerOptions,
  type TestClusterView,
} from './eventstoredb-test-server';

export interface ElectionRecord {
  /** When the cluster lost its leader and when it had a new one (ms since the epoch). */
  readonly leaderlessFrom: number;
  readonly leaderFrom: number;
  readonly previousLeader: number;
  readonly newLeader: number;
}

export class EventStoreDbTestCluster implements TestClusterView {
  readonly log: InMemoryLog;
  readonly nodes: EventStoreDbTestServer[] = [];
  readonly elections: ElectionRecord[] = [];
  private readonly instanceIds: string[] = [];
  private electing: Promise<void> | null = null;

  private constructor(options: EventStoreDbTestServerOptions) {
    this.log = new InMemoryLog(options.clock, options.anyIdempotencyWindow);
  }

  /** Starts `size` nodes; the first is the leader. */
  static async start(
    size = 3,
    options: Omit<EventStoreDbTestServerOptions, 'log' | 'cluster'> = {},
  ): Promise<EventStoreDbTestCluster> {
    const cluster = new EventStoreDbTestCluster(options);
    for (let index = 0; index < size; index++) {
      const node = await EventStoreDbTestServer.start({
        ...options,
        seedSystemEvents: false,
        log: cluster.log,
        cluster,
      });
      node.role = index === 0 ? 'leader' : 'follower';
      cluster.nodes.push(node);
      cluster.instanceIds.push(crypto.randomUUID());
    }
    if (options.seedSystemEvents ?? true) cluster.nodes[0].appendSystemEvent('$settings', '$settings', {});
    return cluster;
  }

  /**
   * Every node as a gossip seed, leader preferred, fast discovery and gossip timeouts (the
   * client's defaults are 10 attempts 100 ms apart, and 5 s per seed).
   */
  get connectionString(): string {
    const hosts = this.nodes.map((node) => node.endpoint).join(',');
    return `esdb://${hosts}?tls=false&nodePreference=leader&discoveryInterval=50&gossipTimeout=1&maxDiscoverAttempts=10`;
  }

  get leaderIndex(): number {
    return this.nodes.findIndex((node) => node.role === 'leader' && !node.isKilled);
  }

  leader(): { host: string; port: number } | null {
    const index = this.leaderIndex;
    if (index < 0) return null;
    const [host, port] = this.nodes[index].endpoint.split(':');
    return { host, port: Number(port) };
  }

  members(): MemberInfo[] {
    return this.nodes.map((node, index) => {
      const [host, port] = node.endpoint.split(':');
      const state = node.isKilled
        ? MemberInfo.VNodeState.SHUTDOWN
        : node.role === 'leader'
          ? MemberInfo.VNodeState.LEADER
          : node.role === 'follower'
            ? MemberInfo.VNodeState.FOLLOWER
            : MemberInfo.VNodeState.UNKNOWN;
      return new MemberInfo()
        .setInstanceId(new UUID().setString(this.instanceIds[index]))
        .setTimeStamp(String(Date.now()))
        .setState(state)
        .setIsAlive(!node.isKilled)
        .setHttpEndPoint(new EndPoint().setAddress(host).setPort(Number(port)));
    });
  }

  /**
   * An election: every live node is without a leader for `noLeaderMs` (requests that need
   * the leader get UNAVAILABLE, gossip names no usable node), then `next` (default: the first
   * live node other than the old leader) leads and the others follow.
   */
  elect(noLeaderMs: number, next?: number): Promise<void> {
    const previous = this.leaderIndex;
    const candidate =
      next ?? this.nodes.findIndex((node, index) => index !== previous && !node.isKilled && !node.isStalled);
    if (candidate < 0) throw new Error('no live node can lead');
    const leaderlessFrom = Date.now();
    for (const node of this.nodes) if (!node.isKilled) node.role = 'electing';
    this.electing = new Promise<void>((resolve) =>
      setTimeout(() => {
        for (const [index, node] of this.nodes.entries()) {
          if (!node.isKilled) node.role = index === candidate ? 'leader' : 'follower';
        }
        this.elections.push({
          leaderlessFrom,
          leaderFrom: Date.now(),
          previousLeader: previous,
          newLeader: candidate,
        });
        this.electing = null;
        resolve();
      }, noLeaderMs),
    );
    return this.electing;
  }

  /** The leader dies (every connection drops), and the others elect a new one after `noLeaderMs`. */
  async killLeader(noLeaderMs: number): Promise<void> {
    const leader = this.nodes[this.leaderIndex];
    await leader.kill();
    await this.elect(noLeaderMs);
  }

  /**
   * The leader is demoted but stays live: it becomes a follower whose view of the log stops
   * where it was (it forwards writes, but its reads and subscriptions see nothing newer).
   */
  async demoteLeader(noLeaderMs: number): Promise<number> {
    const old = this.leaderIndex;
    this.nodes[old].lag(true);
    await this.elect(noLeaderMs);
    return old;
  }

  /** Resolves once no election is in progress. */
  async settled(): Promise<void> {
    while (this.electing) await this.electing;
  }

  async stop(): Promise<void> {
    await this.settled();
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}
