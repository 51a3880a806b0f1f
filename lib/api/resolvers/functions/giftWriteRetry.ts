/** sendGift/sendTip step 3: giftWrite once more when step 2 lost to concurrent transactions only (other shards this time). */
export { request, response } from './giftWrite';
