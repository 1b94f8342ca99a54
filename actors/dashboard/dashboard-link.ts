import type { DashboardHub } from './hub.js';

/**
 * Where the HTTP actor finds the running dashboard's hub, to hand it the WebSocket upgrades: like
 * the metrics link, a well-known name, not a second owner. The dashboard actor sets its hub when it
 * starts and clears it when it stops; between the two an upgrade is answered 503.
 */
export class DashboardLink {
  private current: DashboardHub | undefined;

  get hub(): DashboardHub | undefined {
    return this.current;
  }

  set(hub: DashboardHub): void {
    this.current = hub;
  }

  /** Forget `hub` if it is still the current one (a newer run may already have set its own). */
  clear(hub: DashboardHub): void {
    if (this.current === hub) this.current = undefined;
  }
}
