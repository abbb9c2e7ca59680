"""Texts a player reads that the backend writes, in every language the app speaks (ru, tg, zh, en): the labels
of codes the API returns (shipping statuses, ledger entry types) and the note on a lottery the previous system
ran. The API answers them as `<field>_i18n` maps next to the code; the frontend shows the one of its language
(docs/frontend.md, "Languages"). Notifications are rendered per user instead (luckymart/push_templates.py).
tests/unit/test_player_texts.py fails when a code or a language is missing."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("ru", "tg", "zh", "en")

SHIPPING_STATUSES: dict[str, dict[str, str]] = {
    "PENDING": {"ru": "Заявка принята", "tg": "Дархост қабул шуд", "zh": "待发货", "en": "Request received"},
    "SHIPPED": {"ru": "Отправлен", "tg": "Фиристода шуд", "zh": "已发货", "en": "Shipped"},
    "DELIVERED": {"ru": "Доставлен", "tg": "Расонида шуд", "zh": "已送达", "en": "Delivered"},
    "CANCELLED": {"ru": "Отменена", "tg": "Бекор шуд", "zh": "已取消", "en": "Cancelled"},
}

# What each ledger entry is, by type (its `description` is a note for operators, in English).
LEDGER_TYPES: dict[str, dict[str, str]] = {
    "DEPOSIT": {"ru": "Пополнение", "tg": "Пуркунӣ", "zh": "充值", "en": "Deposit"},
    "WITHDRAWAL_FREEZE": {
        "ru": "Вывод: сумма заморожена",
        "tg": "Баровардан: маблағ ях карда шуд",
        "zh": "提现：金额已冻结",
        "en": "Withdrawal: amount held",
    },
    "WITHDRAWAL_REFUND": {
        "ru": "Вывод отклонён: сумма возвращена",
        "tg": "Баровардан рад шуд: маблағ баргардонида шуд",
        "zh": "提现被拒：金额已退回",
        "en": "Withdrawal rejected: amount returned",
    },
    "WITHDRAWAL": {
        "ru": "Вывод выплачен",
        "tg": "Баровардан пардохт шуд",
        "zh": "提现已完成",
        "en": "Withdrawal paid",
    },
    "EXCHANGE_OUT": {
        "ru": "Обмен на Lucky Coins",
        "tg": "Иваз ба Lucky Coins",
        "zh": "兑换为幸运币",
        "en": "Exchange to Lucky Coins",
    },
    "EXCHANGE_IN": {
        "ru": "Обмен: получены Lucky Coins",
        "tg": "Иваз: Lucky Coins гирифта шуд",
        "zh": "兑换：获得幸运币",
        "en": "Exchange: Lucky Coins received",
    },
    "LOTTERY_PURCHASE": {
        "ru": "Покупка билетов",
        "tg": "Хариди чиптаҳо",
        "zh": "购买抽奖券",
        "en": "Tickets bought",
    },
    "LOTTERY_REFUND": {
        "ru": "Возврат за отменённый розыгрыш",
        "tg": "Баргардонидан барои қуръакашии бекоршуда",
        "zh": "抽奖取消退款",
        "en": "Refund: lottery cancelled",
    },
    "COMMISSION": {
        "ru": "Реферальная комиссия",
        "tg": "Комиссияи даъват",
        "zh": "推荐佣金",
        "en": "Referral commission",
    },
    "BONUS": {"ru": "Бонус", "tg": "Бонус", "zh": "奖励", "en": "Bonus"},
    "RESALE_PURCHASE": {
        "ru": "Покупка на рынке",
        "tg": "Харид дар бозор",
        "zh": "转售购买",
        "en": "Market purchase",
    },
    "RESALE_INCOME": {
        "ru": "Продажа на рынке (за вычетом комиссии)",
        "tg": "Фурӯш дар бозор (бе комиссия)",
        "zh": "转售收入（已扣手续费）",
        "en": "Market sale (after the fee)",
    },
    "SHOWOFF_REWARD": {
        "ru": "Награда за отзыв",
        "tg": "Мукофот барои шарҳ",
        "zh": "晒单奖励",
        "en": "Showoff reward",
    },
    "ADJUSTMENT": {"ru": "Корректировка", "tg": "Ислоҳ", "zh": "调整", "en": "Adjustment"},
    "MIGRATION_OPENING": {
        "ru": "Остаток, перенесённый из прежней системы",
        "tg": "Бақияи аз низоми пешина интиқолшуда",
        "zh": "从旧系统转入的余额",
        "en": "Balance brought over from the previous system",
    },
}

# Why a lottery of the previous system has no fair-draw record (fairdraw.LEGACY_REASONS).
LEGACY_NOTES: dict[str, dict[str, str]] = {
    "DRAWN_BY_PREVIOUS_SYSTEM": {
        "ru": "Разыграно прежней системой до перехода на доказуемо честные розыгрыши: проверить нельзя.",
        "tg": "Пеш аз гузариш ба қуръакашиҳои исботшавандаи одилона аз ҷониби низоми пешина бозӣ шудааст: "
        "санҷидан мумкин нест.",
        "zh": "由旧系统在改用可证明公平的开奖之前开奖：无法验证。",
        "en": "Drawn by the previous system, before provably fair draws: it cannot be checked.",
    },
    "CANCELLED_BY_PREVIOUS_SYSTEM": {
        "ru": "Отменено прежней системой.",
        "tg": "Аз ҷониби низоми пешина бекор шудааст.",
        "zh": "已被旧系统取消。",
        "en": "Cancelled by the previous system.",
    },
    "DRAWN_WITHOUT_WINNER_CANCELLED": {
        "ru": "Прежняя система не записала победителя: розыгрыш отменён, оплаченные билеты возвращены.",
        "tg": "Низоми пешина ғолибро сабт накард: қуръакашӣ бекор шуд, пули чиптаҳои пардохтшуда "
        "баргардонида шуд.",
        "zh": "旧系统未记录中奖者：抽奖已取消，已付款的票均已退款。",
        "en": "The previous system recorded no winner: cancelled, paid tickets refunded.",
    },
    "ON_SALE_CANCELLED_REFUNDED": {
        "ru": "Продавалось при переходе на новую систему: отменено, каждый оплаченный билет возвращён.",
        "tg": "Ҳангоми гузариш ба низоми нав дар фурӯш буд: бекор шуд, пули ҳар чиптаи пардохтшуда "
        "баргардонида шуд.",
        "zh": "迁移到新系统时仍在销售：已取消，每张已付款的票均已退款。",
        "en": "On sale when LuckyMart moved to the new system: cancelled, every paid ticket refunded.",
    },
}


def labels(catalogue: dict[str, dict[str, str]], code: Any) -> dict[str, str] | None:
    """The `_i18n` map of a code, or None for a code without texts."""
    texts = catalogue.get(str(code)) if code is not None else None
    return dict(texts) if texts else None


def labelled_shipping(shipping: Any) -> Any:
    """A shipping object with `status_i18n` (None stays None)."""
    if not isinstance(shipping, dict):
        return shipping
    return {**shipping, "status_i18n": labels(SHIPPING_STATUSES, shipping.get("status"))}
