/** A plan: its rank orders upgrades and downgrades; `webhooks` is the limit (null = unlimited). */
export interface Plan {
  readonly name: string;
  readonly rank: number;
  readonly webhooks: number | null;
}

export const DEFAULT_PLANS: readonly Plan[] = Object.freeze([
  { name: 'free', rank: 0, webhooks: 0 },
  { name: 'pro', rank: 1, webhooks: 5 },
  { name: 'team', rank: 2, webhooks: 10 },
  { name: 'agency', rank: 3, webhooks: 25 },
  { name: 'enterprise', rank: 4, webhooks: null },
]);

export const DEFAULT_PLAN = 'pro';

export class PlanTable {
  private readonly byName: ReadonlyMap<string, Plan>;
  constructor(readonly plans: readonly Plan[] = DEFAULT_PLANS) {
    this.byName = new Map(plans.map((p) => [p.name, p]));
  }
  get(name: string): Plan | undefined {
    return this.byName.get(name);
  }
  names(): string[] {
    return this.plans.map((p) => p.name);
  }
}

/** LINKWIRE_PLANS='[{"name":"free","rank":0,"webhooks":0},…]' replaces the table. */
export function parsePlans(json: string | undefined): readonly Plan[] {
  if (!json) return DEFAULT_PLANS;
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('LINKWIRE_PLANS must be a non-empty JSON array');
  return Object.freeze(
    parsed.map((p: unknown, i) => {
      const plan = p as Partial<Plan>;
      if (typeof plan.name !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(plan.name)) throw new Error(`LINKWIRE_PLANS[${i}].name is invalid`);
      if (typeof plan.rank !== 'number') throw new Error(`LINKWIRE_PLANS[${i}].rank must be a number`);
      if (plan.webhooks !== null && (typeof plan.webhooks !== 'number' || plan.webhooks < 0)) {
        throw new Error(`LINKWIRE_PLANS[${i}].webhooks must be a number or null`);
      }
      return Object.freeze({ name: plan.name, rank: plan.rank, webhooks: plan.webhooks ?? null });
    }),
  );
}
