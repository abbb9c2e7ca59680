-- Defaults every environment needs: business constants, payment methods, admin roles and their permissions.
-- Values are data so operators can tune them without a deploy; code reads them through private.config().

insert into public.system_config (key, value, description) values
  ('exchange_rate', '1.0', 'LUCKY_COIN received per 1 TJS of BALANCE (one-way)'),
  ('session_ttl_seconds', '604800', 'user session lifetime (7 days)'),
  ('withdrawal', '{"min_amount": 10, "max_amount": 50000, "max_pending": 3, "fee_rate": 0}',
   'withdrawal bounds (TJS), pending requests per user, fee'),
  ('first_deposit_bonus', '{"min_deposit": 10, "bonus_amount": 2.5, "expire_days": 7, "min_invites": 1}',
   'first approved deposit >= min_deposit makes bonus_amount PENDING for expire_days; activation needs min_invites'),
  ('referral_commission_rates', '{"1": 0.03, "2": 0.01, "3": 0.005}', 'commission rate per referral level'),
  ('lottery', '{"draw_delay_seconds": 180, "max_quantity": 100}', 'draw delay after sell-out, tickets per purchase'),
  ('resale', '{"min_ratio": 0.5, "max_ratio": 1.5, "fee_rate": 0.05}', 'resale price band (x prize value) and fee'),
  ('showoff', '{"max_reward": 100}', 'largest LUCKY_COIN reward for an approved showoff')
on conflict (key) do nothing;

insert into public.payment_configs
  (config_key, config_type, method, min_amount, max_amount, fee_rate, processing_time, sort_order, config_data)
values
  ('deposit_alif_mobi', 'DEPOSIT', 'ALIF_MOBI', 10, 10000, 0, '15', 1,
   '{"method": "ALIF_MOBI", "account_number": "+992 00 000 0000", "account_name": "LuckyMart",
     "instructions": {"zh": "通过 Alif Mobi 转账到上述账号，并上传转账截图。",
                      "ru": "Переведите средства через Alif Mobi на указанный счёт и загрузите скриншот перевода.",
                      "tg": "Маблағро тавассути Alif Mobi ба суратҳисоби зикршуда интиқол диҳед ва акси интиқолро бор кунед.",
                      "en": "Transfer the amount with Alif Mobi to the account above and upload a screenshot of the transfer."}}'),
  ('deposit_dc_bank', 'DEPOSIT', 'DC_BANK', 50, 50000, 0, '30', 2,
   '{"method": "DC_BANK", "bank_name": "Dushanbe City Bank", "account_number": "0000 0000 0000 0000",
     "account_name": "LuckyMart",
     "instructions": {"zh": "通过 DC Bank 银行转账，并上传转账凭证。",
                      "ru": "Сделайте банковский перевод через DC Bank и загрузите подтверждение.",
                      "tg": "Тавассути DC Bank интиқол диҳед ва тасдиқномаро бор кунед.",
                      "en": "Make a bank transfer with DC Bank and upload the confirmation."}}'),
  -- Withdrawal methods: the four the old frontend's WithdrawPage offers. `destination_fields`: at least one of
  -- them must be filled in (withdrawal_request); set is_enabled = false to switch a method off.
  ('withdrawal_bank_transfer', 'WITHDRAWAL', 'BANK_TRANSFER', 10, 50000, 0, '1440', 1,
   '{"method": "BANK_TRANSFER", "destination_fields": ["bank_account_number"],
     "instructions": {"zh": "填写您的银行账户信息。", "ru": "Укажите реквизиты банковского счёта.",
                      "tg": "Маълумоти суратҳисоби бонкиро нависед.",
                      "en": "Enter your bank account details."}}'),
  ('withdrawal_alif_mobi', 'WITHDRAWAL', 'ALIF_MOBI', 10, 50000, 0, '1440', 2,
   '{"method": "ALIF_MOBI", "destination_fields": ["mobile_wallet_number", "phone_number"],
     "instructions": {"zh": "填写您的 Alif Mobi 钱包号码。", "ru": "Укажите номер кошелька Alif Mobi.",
                      "tg": "Рақами ҳамёни Alif Mobi-ро нависед.",
                      "en": "Enter your Alif Mobi wallet number."}}'),
  ('withdrawal_dc_bank', 'WITHDRAWAL', 'DC_BANK', 10, 50000, 0, '1440', 3,
   '{"method": "DC_BANK", "destination_fields": ["bank_account_number", "mobile_wallet_number"],
     "instructions": {"zh": "填写您的 DC Bank 账户或 DC 钱包号码。",
                      "ru": "Укажите счёт в DC Bank или номер кошелька DC.",
                      "tg": "Суратҳисоби DC Bank ё рақами ҳамёни DC-ро нависед.",
                      "en": "Enter your DC Bank account or DC wallet number."}}'),
  ('withdrawal_other', 'WITHDRAWAL', 'OTHER', 10, 50000, 0, '2880', 4,
   '{"method": "OTHER", "destination_fields": ["bank_account_number", "mobile_wallet_number", "phone_number"],
     "instructions": {"zh": "填写收款账户信息，客服会与您确认。",
                      "ru": "Укажите реквизиты получателя; поддержка свяжется с вами для подтверждения.",
                      "tg": "Маълумоти гиранда нависед; дастгирӣ барои тасдиқ бо шумо тамос мегирад.",
                      "en": "Enter the details of the recipient; support will contact you to confirm."}}')
on conflict (config_key) do nothing;

insert into public.roles (name, description) values
  ('SUPER_ADMIN', 'everything'),
  ('FINANCE', 'deposits, withdrawals, commission dead letters'),
  ('OPERATIONS', 'lotteries, draws, shipping, showoffs'),
  ('SUPPORT', 'read-only views of users, orders, prizes')
on conflict (name) do nothing;

insert into public.permissions (role_name, action) values
  ('SUPER_ADMIN', '*'),
  ('FINANCE', 'deposits.list'), ('FINANCE', 'deposits.approve'), ('FINANCE', 'deposits.reject'),
  ('FINANCE', 'withdrawals.list'), ('FINANCE', 'withdrawals.complete'), ('FINANCE', 'withdrawals.reject'),
  ('FINANCE', 'commissions.dlq_list'), ('FINANCE', 'commissions.dlq_replay'),
  ('OPERATIONS', 'lotteries.create'), ('OPERATIONS', 'lotteries.list'), ('OPERATIONS', 'lotteries.show'),
  ('OPERATIONS', 'lotteries.cancel'), ('OPERATIONS', 'lotteries.draw'),
  ('OPERATIONS', 'shipping.list'), ('OPERATIONS', 'shipping.ship'), ('OPERATIONS', 'shipping.deliver'),
  ('OPERATIONS', 'showoffs.list'), ('OPERATIONS', 'showoffs.approve'), ('OPERATIONS', 'showoffs.reject'),
  ('SUPPORT', 'users.show'), ('SUPPORT', 'orders.list'), ('SUPPORT', 'prizes.list')
on conflict do nothing;
