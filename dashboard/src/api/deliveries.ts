/** One delivery (`/api/deliveries…`); a webhook's list of them is in api/webhooks.ts. */
import { get, post, type DeliveryDetail } from '../api';

/** The delivery with its request (headers, body) and every attempt. */
export const getDelivery = (id: string) => get<DeliveryDetail>(`/api/deliveries/${id}`);
export const replayDelivery = (id: string) => post(`/api/deliveries/${id}/replay`);
