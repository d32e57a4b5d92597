import type { Clock } from '../runtime/clock.js';
import { toIso } from '../runtime/clock.js';
import { renderClick } from '../clicks/recent-clicks.js';
import { AppError, validationError } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { IdSource } from '../runtime/ids.js';
import { renderLink } from '../links/link-model.js';
import type { LeadTable, SaleTable } from '../storage/conversion-tables.js';
import type { Storage, Tx } from '../storage/storage.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import { METADATA_MAX_BYTES, type Lead, type Sale, type TrackLeadInput, type TrackSaleInput } from './conversion-schema.js';

const DEFAULT_LEAD_EVENT = 'Sign up';
const DEFAULT_SALE_EVENT = 'Purchase';
/** ISO 4217 codes this Node knows (ICU's list: every active currency). */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/**
 * Conversions (SPEC §3b, docs/conversions.md): a lead ties a shop's customer to the click they
 * arrived with (`lw_click_id`); a sale is attributed to that customer's first lead, hence to its
 * click and link. Each is written with its event (`lead.created`, `sale.created`) in one
 * transaction. A sale with an `invoice_id` already recorded is that sale: answered again, counted
 * and announced once — the unique index (workspace_id, invoice_id) decides races between requests.
 */
export class ConversionService {
  constructor(private readonly deps: { storage: Storage; clock: Clock; ids: IdSource; outbox: Outbox; baseUrl: string }) {}

  async trackLead(workspaceId: string, input: TrackLeadInput): Promise<Lead> {
    const metadata = metadataText(input.metadata);
    const { storage, clock, ids, outbox } = this.deps;
    return storage.transaction(async (tx) => {
      const click = await tx.db.selectFrom('clicks').selectAll().where('id', '=', input.click_id).where('workspace_id', '=', workspaceId).executeTakeFirst();
      if (!click) {
        throw new AppError(
          'NOT_FOUND',
          `No click ${input.click_id} in this workspace: send the lw_click_id your landing page received (a click is stored a moment after its redirect; one kept past the click retention is gone)`,
          { field: 'click_id' },
        );
      }
      const link = await this.linkOf(tx, workspaceId, click.link_id, click.id);
      const row: LeadTable = {
        id: ids.next('lead'),
        workspace_id: workspaceId,
        link_id: click.link_id,
        click_id: click.id,
        customer_id: input.customer_id,
        event_name: input.event_name ?? DEFAULT_LEAD_EVENT,
        metadata,
        created_at: clock.now(),
      };
      await tx.db.insertInto('leads').values(row).execute();
      const lead = renderLead(row);
      await outbox.append(tx, [{ type: 'lead.created', workspaceId, linkId: link.id, data: { link, click: renderClick(click), customer: { id: row.customer_id }, lead } }]);
      return lead;
    });
  }

  /** The sale, and whether it is new (201) or the one already recorded with this `invoice_id` (200). */
  async trackSale(workspaceId: string, input: TrackSaleInput): Promise<{ sale: Sale; created: boolean }> {
    const currency = input.currency.toUpperCase();
    if (!CURRENCIES.has(currency)) {
      throw validationError(`currency must be an ISO 4217 code such as EUR, USD or JPY; "${input.currency}" is not one`, { fields: [{ field: 'currency', message: 'is not an ISO 4217 currency code' }] });
    }
    const metadata = metadataText(input.metadata);
    const invoiceId = input.invoice_id ?? null;
    if (invoiceId !== null) {
      const existing = await this.saleByInvoice(workspaceId, invoiceId);
      if (existing) return { sale: existing, created: false };
    }
    const { storage, clock, ids, outbox } = this.deps;
    try {
      const sale = await storage.transaction(async (tx) => {
        const lead = await tx.db
          .selectFrom('leads')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('customer_id', '=', input.customer_id)
          .orderBy('created_at')
          .orderBy('id')
          .limit(1)
          .executeTakeFirst();
        if (!lead) {
          throw new AppError('NOT_FOUND', `No lead for customer "${input.customer_id}": a sale is attributed to its customer's lead, so track the lead first (POST /api/track/lead with the click id)`, {
            field: 'customer_id',
          });
        }
        const click = await tx.db.selectFrom('clicks').selectAll().where('id', '=', lead.click_id).where('workspace_id', '=', workspaceId).executeTakeFirst();
        if (!click) throw new AppError('NOT_FOUND', `The click of customer "${input.customer_id}"'s lead (${lead.click_id}) is no longer stored (click retention)`, { field: 'customer_id' });
        const link = await this.linkOf(tx, workspaceId, lead.link_id, lead.click_id);
        const row: SaleTable = {
          id: ids.next('sale'),
          workspace_id: workspaceId,
          link_id: lead.link_id,
          click_id: lead.click_id,
          lead_id: lead.id,
          customer_id: input.customer_id,
          amount: input.amount,
          currency,
          invoice_id: invoiceId,
          event_name: input.event_name ?? DEFAULT_SALE_EVENT,
          metadata,
          created_at: clock.now(),
        };
        await tx.db.insertInto('sales').values(row).execute();
        const sale = renderSale(row);
        await outbox.append(tx, [{ type: 'sale.created', workspaceId, linkId: link.id, data: { link, click: renderClick(click), customer: { id: row.customer_id }, sale } }]);
        return sale;
      });
      return { sale, created: true };
    } catch (err) {
      // Another request recorded this invoice between our look and our insert: that one is the sale.
      if (invoiceId !== null && isUniqueViolation(err)) {
        const existing = await this.saleByInvoice(workspaceId, invoiceId);
        if (existing) return { sale: existing, created: false };
      }
      throw err;
    }
  }

  private async saleByInvoice(workspaceId: string, invoiceId: string): Promise<Sale | null> {
    const row = await this.deps.storage.db.selectFrom('sales').selectAll().where('workspace_id', '=', workspaceId).where('invoice_id', '=', invoiceId).executeTakeFirst();
    return row ? renderSale(row) : null;
  }

  private async linkOf(tx: Tx, workspaceId: string, linkId: string, clickId: string) {
    const row = await tx.db.selectFrom('links').selectAll().where('id', '=', linkId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', `The link click ${clickId} was made on has been deleted: nothing to attribute the conversion to`, { field: 'click_id' });
    return renderLink(row, this.deps.baseUrl);
  }
}

function metadataText(metadata: Record<string, unknown> | undefined): string | null {
  if (metadata === undefined) return null;
  const text = JSON.stringify(metadata);
  const bytes = Buffer.byteLength(text);
  if (bytes > METADATA_MAX_BYTES) {
    throw validationError(`metadata must be at most ${METADATA_MAX_BYTES} bytes of JSON (it is ${bytes})`, { fields: [{ field: 'metadata', message: `is ${bytes} bytes; at most ${METADATA_MAX_BYTES}` }] });
  }
  return text;
}

export function renderLead(row: LeadTable): Lead {
  return {
    id: row.id,
    customer_id: row.customer_id,
    event_name: row.event_name,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    link_id: row.link_id,
    click_id: row.click_id,
    created_at: toIso(row.created_at),
  };
}

export function renderSale(row: SaleTable): Sale {
  return {
    id: row.id,
    customer_id: row.customer_id,
    amount: Number(row.amount),
    currency: row.currency,
    invoice_id: row.invoice_id,
    event_name: row.event_name,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    link_id: row.link_id,
    click_id: row.click_id,
    lead_id: row.lead_id,
    created_at: toIso(row.created_at),
  };
}
