"""Store tools: the read and write actions of shared/data/retail/TOOLS.md, typed.

Writes are only ever executed by the approval step of the graph (or an admin calling a
tool directly); specialists turn them into pending actions.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolFailure, tool
from tools.schemas import Address, Order, Product, User

ORDER_ID = Field(pattern=r"^#W\d{7}$", description="order id like #W1234567")
ITEM_IDS = Field(min_length=1, max_length=50)


class EmailIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)


class NameZipIn(BaseModel):
    first_name: str = Field(min_length=1, max_length=80)
    last_name: str = Field(min_length=1, max_length=80)
    zip: str = Field(min_length=3, max_length=12)


class UserIdOut(BaseModel):
    user_id: str


class UserIdIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=80)


class OrderIdIn(BaseModel):
    order_id: str = ORDER_ID


class ProductIdIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=20)


class NoIn(BaseModel):
    pass


class ProductTypesOut(BaseModel):
    product_types: dict[str, str]


class CancelIn(BaseModel):
    order_id: str = ORDER_ID
    reason: Literal["no longer needed", "ordered by mistake"]


class OrderAddressIn(Address):
    order_id: str = ORDER_ID


class UserAddressIn(Address):
    user_id: str = Field(min_length=1, max_length=80)


class PaymentIn(BaseModel):
    order_id: str = ORDER_ID
    payment_method_id: str = Field(min_length=1, max_length=60)


class ItemsChangeIn(BaseModel):
    order_id: str = ORDER_ID
    item_ids: list[str] = ITEM_IDS
    new_item_ids: list[str] = ITEM_IDS
    payment_method_id: str = Field(min_length=1, max_length=60)


class ReturnIn(BaseModel):
    order_id: str = ORDER_ID
    item_ids: list[str] = ITEM_IDS
    payment_method_id: str = Field(min_length=1, max_length=60)


class TransferIn(BaseModel):
    summary: str = Field(min_length=1, max_length=2000)


class TransferOut(BaseModel):
    handoff_id: str
    message: str


def _own_user(ctx: ToolContext, user_id: str) -> None:
    if ctx.acting_user_id is not None and user_id != ctx.acting_user_id:
        raise ToolFailure("You can only see or change your own account.", "forbidden")


def _own_order(ctx: ToolContext, order: dict) -> None:
    if ctx.acting_user_id is not None and order["user_id"] != ctx.acting_user_id:
        raise ToolFailure(f"Order {order['order_id']} does not belong to the authenticated customer.",
                          "forbidden")


@tool("find_user_id_by_email", EmailIn, UserIdOut, agents=("support",))
def find_user_id_by_email(ctx: ToolContext, args: EmailIn) -> UserIdOut:
    """Find a customer's user id by e-mail (case-insensitive). Used to authenticate."""
    return UserIdOut(user_id=ctx.deps.store.find_user_id_by_email(args.email))


@tool("find_user_id_by_name_zip", NameZipIn, UserIdOut, agents=("support",))
def find_user_id_by_name_zip(ctx: ToolContext, args: NameZipIn) -> UserIdOut:
    """Find a customer's user id by first name, last name and zip code. Used to authenticate."""
    return UserIdOut(user_id=ctx.deps.store.find_user_id_by_name_zip(args.first_name, args.last_name, args.zip))


@tool("get_user_details", UserIdIn, User, agents=("support",))
def get_user_details(ctx: ToolContext, args: UserIdIn) -> User:
    """A customer's profile: name, default address, e-mail, payment methods, order ids."""
    _own_user(ctx, args.user_id)
    return User.model_validate(ctx.deps.store.get_user_details(args.user_id))


@tool("get_order_details", OrderIdIn, Order, agents=("support",))
def get_order_details(ctx: ToolContext, args: OrderIdIn) -> Order:
    """An order: status, items with options and prices, fulfillments with tracking ids, payments."""
    order = ctx.deps.store.get_order_details(args.order_id)
    _own_order(ctx, order)
    return Order.model_validate(order)


@tool("get_product_details", ProductIdIn, Product, agents=("support",))
def get_product_details(ctx: ToolContext, args: ProductIdIn) -> Product:
    """A product and all its variants (item ids, options, availability, price)."""
    return Product.model_validate(ctx.deps.store.get_product_details(args.product_id))


@tool("list_all_product_types", NoIn, ProductTypesOut, agents=("support",))
def list_all_product_types(ctx: ToolContext, args: NoIn) -> ProductTypesOut:
    """Every product type the store sells: name -> product id, sorted by name."""
    return ProductTypesOut(product_types=ctx.deps.store.list_all_product_types())


def _write(ctx: ToolContext, method: str, order_id: str | None, **kwargs):
    store = ctx.deps.store
    if order_id is not None:
        _own_order(ctx, store.get_order_details(order_id))
        kwargs["order_id"] = order_id
    return getattr(store, method)(**kwargs, acting_user_id=ctx.acting_user_id)


@tool("cancel_pending_order", CancelIn, Order, write=True, agents=("support",))
def cancel_pending_order(ctx: ToolContext, args: CancelIn) -> Order:
    """Cancel a pending order; every payment is refunded to its method (gift cards at once)."""
    return Order.model_validate(_write(ctx, "cancel_pending_order", args.order_id, reason=args.reason))


@tool("modify_pending_order_address", OrderAddressIn, Order, write=True, agents=("support",))
def modify_pending_order_address(ctx: ToolContext, args: OrderAddressIn) -> Order:
    """Change the shipping address of a pending order."""
    fields = args.model_dump(exclude={"order_id"})
    return Order.model_validate(_write(ctx, "modify_pending_order_address", args.order_id, **fields))


@tool("modify_user_address", UserAddressIn, User, write=True, agents=("support",))
def modify_user_address(ctx: ToolContext, args: UserAddressIn) -> User:
    """Change a customer's default address."""
    _own_user(ctx, args.user_id)
    return User.model_validate(_write(ctx, "modify_user_address", None, **args.model_dump()))


@tool("modify_pending_order_payment", PaymentIn, Order, write=True, agents=("support",))
def modify_pending_order_payment(ctx: ToolContext, args: PaymentIn) -> Order:
    """Pay a pending order with another of the customer's payment methods."""
    return Order.model_validate(_write(ctx, "modify_pending_order_payment", args.order_id,
                                       payment_method_id=args.payment_method_id))


@tool("modify_pending_order_items", ItemsChangeIn, Order, write=True, agents=("support",))
def modify_pending_order_items(ctx: ToolContext, args: ItemsChangeIn) -> Order:
    """Swap items of a pending order for other variants of the same products (once per order)."""
    return Order.model_validate(_write(ctx, "modify_pending_order_items", args.order_id,
                                       item_ids=args.item_ids, new_item_ids=args.new_item_ids,
                                       payment_method_id=args.payment_method_id))


@tool("exchange_delivered_order_items", ItemsChangeIn, Order, write=True, agents=("support",))
def exchange_delivered_order_items(ctx: ToolContext, args: ItemsChangeIn) -> Order:
    """Request an exchange of delivered items for other variants of the same products."""
    return Order.model_validate(_write(ctx, "exchange_delivered_order_items", args.order_id,
                                       item_ids=args.item_ids, new_item_ids=args.new_item_ids,
                                       payment_method_id=args.payment_method_id))


@tool("return_delivered_order_items", ReturnIn, Order, write=True, agents=("support",))
def return_delivered_order_items(ctx: ToolContext, args: ReturnIn) -> Order:
    """Request a return of delivered items, refunded to the original method or a gift card."""
    return Order.model_validate(_write(ctx, "return_delivered_order_items", args.order_id,
                                       item_ids=args.item_ids, payment_method_id=args.payment_method_id))


@tool("transfer_to_human_agents", TransferIn, TransferOut, agents=("support",))
def transfer_to_human_agents(ctx: ToolContext, args: TransferIn) -> TransferOut:
    """Hand the conversation to a person, with a summary of what the customer needs."""
    hid = ctx.deps.store.transfer_to_human_agents(args.summary, user_id=ctx.acting_user_id)
    return TransferOut(handoff_id=str(hid), message="A person from our team will take over.")


STORE_TOOLS = [
    find_user_id_by_email, find_user_id_by_name_zip, get_user_details, get_order_details,
    get_product_details, list_all_product_types, cancel_pending_order,
    modify_pending_order_address, modify_user_address, modify_pending_order_payment,
    modify_pending_order_items, exchange_delivered_order_items, return_delivered_order_items,
    transfer_to_human_agents,
]
