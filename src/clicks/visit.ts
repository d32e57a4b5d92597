import type { Link } from '../links/link-schema.js';
import type { Click } from './click-schema.js';

/** A visit the redirect wants made durable before it answers. */
export type Visit =
  | {
      kind: 'click';
      link: Link;
      click: Click;
      /** `JSON.stringify(click)` when already at hand (the click journal's record): its events reuse it. */
      clickJson?: string;
    }
  | { kind: 'geo_blocked'; link: Link; click: Click }
  | { kind: 'expired'; link: Link };

export type VisitOutcome =
  /** Counted; `clicks` is the link's count including this click. */
  | { status: 'counted'; clicks: number }
  /** The link had already reached max_clicks: not counted, answer 410. */
  | { status: 'limit_reached' }
  /** The link no longer exists. */
  | { status: 'gone' }
  | { status: 'recorded' };
