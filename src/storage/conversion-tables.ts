/*
 * The conversions a link led to (src/conversions/): leads, and the sales of their customers.
 * Stored like every table (schema.ts): times as epoch milliseconds, JSON as text.
 */

export interface LeadTable {
  id: string;
  workspace_id: string;
  link_id: string;
  click_id: string;
  customer_id: string;
  event_name: string;
  metadata: string | null;
  created_at: number;
}

export interface SaleTable {
  id: string;
  workspace_id: string;
  link_id: string;
  click_id: string;
  lead_id: string;
  customer_id: string;
  /** Minor units of `currency` (cents for EUR). */
  amount: number;
  currency: string;
  invoice_id: string | null;
  event_name: string;
  metadata: string | null;
  created_at: number;
}
