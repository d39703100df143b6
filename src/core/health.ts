/**
 * Health model shared by roles and the API: each component reports its state; /health/ready
 * and /api/v1/system/health read it. Recording components count as critical.
 */
export type HealthState = 'starting' | 'healthy' | 'degraded' | 'critical' | 'stopped';

export interface ComponentHealth {
  state: HealthState;
  detail?: string;
  since: string;
}

export class Health {
  private readonly components = new Map<string, ComponentHealth>();
  private started = false;

  set(component: string, state: HealthState, detail?: string): void {
    const prev = this.components.get(component);
    if (prev && prev.state === state && prev.detail === detail) return;
    this.components.set(component, { state, detail, since: prev?.state === state ? prev.since : new Date().toISOString() });
  }

  markStarted(): void {
    this.started = true;
  }

  isStarted(): boolean {
    return this.started;
  }

  snapshot(): Record<string, ComponentHealth> {
    return Object.fromEntries(this.components);
  }

  /** worst state over all components (starting counts as degraded) */
  overall(): 'healthy' | 'degraded' | 'critical' {
    let worst: 'healthy' | 'degraded' | 'critical' = 'healthy';
    for (const c of this.components.values()) {
      if (c.state === 'critical') return 'critical';
      if (c.state !== 'healthy' && c.state !== 'stopped') worst = 'degraded';
    }
    return worst;
  }
}
