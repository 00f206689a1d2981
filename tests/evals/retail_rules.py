"""Facts of shared/data/retail/TOOLS.md that the dataset validators share."""

# each write action and its exact keyword arguments
WRITE_KWARGS = {
    "cancel_pending_order": {"order_id", "reason"},
    "modify_pending_order_address": {"order_id", "address1", "address2", "city", "state", "country", "zip"},
    "modify_user_address": {"user_id", "address1", "address2", "city", "state", "country", "zip"},
    "modify_pending_order_payment": {"order_id", "payment_method_id"},
    "modify_pending_order_items": {"order_id", "item_ids", "new_item_ids", "payment_method_id"},
    "exchange_delivered_order_items": {"order_id", "item_ids", "new_item_ids", "payment_method_id"},
    "return_delivered_order_items": {"order_id", "item_ids", "payment_method_id"},
}
CANCEL_REASONS = {"no longer needed", "ordered by mistake"}
