/**
 * The routes the application serves, by path pattern, so that a request for a
 * known path with another method is answered 405 with `Allow` instead of 404.
 */
export class RouteTable {
  private readonly routes: { readonly pattern: RegExp; readonly methods: Set<string> }[] = [];
  private readonly byUrl = new Map<string, Set<string>>();

  /** Registers a route given as Fastify/Express write it: `/operations/:operationId/events`. */
  add(method: string, url: string): void {
    let methods = this.byUrl.get(url);
    if (methods === undefined) {
      methods = new Set();
      this.byUrl.set(url, methods);
      const source = url
        .split('/')
        .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : escape(segment)))
        .join('/');
      this.routes.push({ pattern: new RegExp(`^${source}/?$`), methods });
    }
    methods.add(method.toUpperCase());
  }

  /**
   * Methods served for this concrete path (without query string), sorted; empty
   * when the path is unknown. OPTIONS is left out: CORS answers it for every path,
   * so it says nothing about whether the path exists.
   */
  allowedMethods(path: string): string[] {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      if (route.pattern.test(path)) route.methods.forEach((method) => allowed.add(method));
    }
    allowed.delete('OPTIONS');
    return [...allowed].sort();
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
