import { discordMessage, slackMessage } from '../chat-messages.js';
import type { FormatRenderer } from './renderer.js';

/** `slack`: a human message for a Slack incoming webhook (chat-messages.ts); Slack checks no signature. */
export const slackFormat: FormatRenderer = {
  body: (event) => JSON.stringify(slackMessage(event.envelope())),
};

/** `discord`: an embed for a Discord webhook (chat-messages.ts). */
export const discordFormat: FormatRenderer = {
  body: (event) => JSON.stringify(discordMessage(event.envelope())),
};
