/**
 * The fixed vocabulary the demo catalogue is generated from: locales, channels, warehouses, the category
 * tree, brands, colours, sizes, materials and attribute definitions (English and German).
 */
import type {
  AttributeOptionRecord,
  AttributeRecord,
  AttributeType,
  ChannelRecord,
  CurrencyCode,
  LocaleRecord,
  WarehouseRecord,
} from './records.js';

export const LOCALES: readonly LocaleRecord[] = [
  { code: 'en-US', name: 'English (United States)' },
  { code: 'de-DE', name: 'German (Germany)' },
  { code: 'fr-FR', name: 'French (France)' },
  { code: 'ja-JP', name: 'Japanese (Japan)' },
];

export const CHANNELS: readonly ChannelRecord[] = [
  ch(1, 'web-eu', 'Web shop Europe', 'WEB', ['EUR', 'CHF'], ['de-DE', 'fr-FR', 'en-US'], 'de-DE'),
  ch(2, 'web-us', 'Web shop United States', 'WEB', ['USD'], ['en-US'], 'en-US'),
  ch(3, 'marketplace-uk', 'Marketplace United Kingdom', 'MARKETPLACE', ['GBP'], ['en-US'], 'en-US'),
  ch(4, 'retail-jp', 'Retail Japan', 'RETAIL', ['JPY'], ['ja-JP', 'en-US'], 'ja-JP'),
];

function ch(
  n: number,
  code: string,
  name: string,
  kind: ChannelRecord['kind'],
  currencies: CurrencyCode[],
  localeCodes: string[],
  defaultLocaleCode: string,
): ChannelRecord {
  return {
    __typename: 'Channel',
    id: `Channel:${n}`,
    code,
    name,
    kind,
    currencies,
    localeCodes,
    defaultLocaleCode,
  };
}

export const WAREHOUSES: readonly WarehouseRecord[] = [
  ['BER', 'Berlin', 'DE'],
  ['LYS', 'Lyon', 'FR'],
  ['EWR', 'Newark', 'US'],
  ['KIX', 'Osaka', 'JP'],
].map(([code, name, country], i) => ({
  __typename: 'Warehouse' as const,
  id: `Warehouse:${i + 1}`,
  code: code!,
  name: name!,
  country: country!,
}));

/** Units of the currency's minor unit per euro cent, and how prices are rounded. */
export const CURRENCY: Readonly<Record<CurrencyCode, { perEuro: number; decimals: number }>> = {
  EUR: { perEuro: 1, decimals: 2 },
  CHF: { perEuro: 0.96, decimals: 2 },
  USD: { perEuro: 1.08, decimals: 2 },
  GBP: { perEuro: 0.86, decimals: 2 },
  JPY: { perEuro: 162, decimals: 0 },
};

/** Decimal places of a currency's minor unit. */
export function currencyDecimals(currency: CurrencyCode): number {
  return CURRENCY[currency].decimals;
}

/** [code, en-US, de-DE, singular noun en-US, singular noun de-DE] per leaf family. */
type Family = readonly [string, string, string, string, string];
export const TREE: readonly { code: string; en: string; de: string; families: readonly Family[] }[] = [
  {
    code: 'apparel',
    en: 'Apparel',
    de: 'Bekleidung',
    families: [
      ['shirts', 'Shirts', 'Hemden', 'Shirt', 'Hemd'],
      ['trousers', 'Trousers', 'Hosen', 'Trousers', 'Hose'],
      ['jackets', 'Jackets', 'Jacken', 'Jacket', 'Jacke'],
      ['knitwear', 'Knitwear', 'Strickwaren', 'Sweater', 'Pullover'],
      ['scarves', 'Scarves', 'Schals', 'Scarf', 'Schal'],
    ],
  },
  {
    code: 'footwear',
    en: 'Footwear',
    de: 'Schuhe',
    families: [
      ['sneakers', 'Sneakers', 'Sneaker', 'Sneaker', 'Sneaker'],
      ['boots', 'Boots', 'Stiefel', 'Boot', 'Stiefel'],
      ['sandals', 'Sandals', 'Sandalen', 'Sandal', 'Sandale'],
      ['running', 'Running shoes', 'Laufschuhe', 'Running Shoe', 'Laufschuh'],
      ['slippers', 'Slippers', 'Hausschuhe', 'Slipper', 'Hausschuh'],
    ],
  },
  {
    code: 'home',
    en: 'Home',
    de: 'Wohnen',
    families: [
      ['kitchen', 'Kitchen', 'Küche', 'Pan', 'Pfanne'],
      ['lighting', 'Lighting', 'Beleuchtung', 'Lamp', 'Lampe'],
      ['textiles', 'Home textiles', 'Heimtextilien', 'Cushion', 'Kissen'],
      ['storage', 'Storage', 'Aufbewahrung', 'Box', 'Box'],
      ['decor', 'Decor', 'Dekoration', 'Vase', 'Vase'],
    ],
  },
  {
    code: 'electronics',
    en: 'Electronics',
    de: 'Elektronik',
    families: [
      ['audio', 'Audio', 'Audio', 'Headphones', 'Kopfhörer'],
      ['cameras', 'Cameras', 'Kameras', 'Camera', 'Kamera'],
      ['chargers', 'Chargers', 'Ladegeräte', 'Charger', 'Ladegerät'],
      ['wearables', 'Wearables', 'Wearables', 'Smartwatch', 'Smartwatch'],
      ['cables', 'Cables', 'Kabel', 'Cable', 'Kabel'],
    ],
  },
  {
    code: 'outdoor',
    en: 'Outdoor',
    de: 'Outdoor',
    families: [
      ['tents', 'Tents', 'Zelte', 'Tent', 'Zelt'],
      ['backpacks', 'Backpacks', 'Rucksäcke', 'Backpack', 'Rucksack'],
      ['sleeping-bags', 'Sleeping bags', 'Schlafsäcke', 'Sleeping Bag', 'Schlafsack'],
      ['stoves', 'Camping stoves', 'Campingkocher', 'Stove', 'Kocher'],
      ['climbing', 'Climbing', 'Klettern', 'Harness', 'Klettergurt'],
    ],
  },
  {
    code: 'beauty',
    en: 'Beauty',
    de: 'Beauty',
    families: [
      ['skincare', 'Skincare', 'Hautpflege', 'Cream', 'Creme'],
      ['haircare', 'Haircare', 'Haarpflege', 'Shampoo', 'Shampoo'],
      ['fragrance', 'Fragrance', 'Düfte', 'Eau de Parfum', 'Eau de Parfum'],
      ['makeup', 'Make-up', 'Make-up', 'Lipstick', 'Lippenstift'],
      ['bath', 'Bath', 'Bad', 'Bath Oil', 'Badeöl'],
    ],
  },
];

export const LINES: readonly (readonly [string, string, string])[] = [
  ['essentials', 'Essentials', 'Basics'],
  ['premium', 'Premium', 'Premium'],
  ['outlet', 'Outlet', 'Outlet'],
];

export const BRANDS = [
  'Fjord',
  'Alpina',
  'Kestrel',
  'Nordlys',
  'Umbra',
  'Solstice',
  'Tidewater',
  'Quarry',
] as const;
export const MODELS = [
  'Aero',
  'Terra',
  'Luna',
  'Vega',
  'Nova',
  'Orbit',
  'Pulse',
  'Ridge',
  'Drift',
  'Echo',
] as const;
export const COLORS: readonly (readonly [string, string, string])[] = [
  ['black', 'Black', 'Schwarz'],
  ['white', 'White', 'Weiß'],
  ['navy', 'Navy', 'Marineblau'],
  ['red', 'Red', 'Rot'],
  ['green', 'Green', 'Grün'],
  ['grey', 'Grey', 'Grau'],
  ['sand', 'Sand', 'Sand'],
];
export const SIZES = ['XS', 'S', 'M', 'L', 'XL'] as const;
export const MATERIALS: readonly (readonly [string, string])[] = [
  ['Cotton', 'Baumwolle'],
  ['Wool', 'Wolle'],
  ['Recycled polyester', 'Recyceltes Polyester'],
  ['Leather', 'Leder'],
  ['Stainless steel', 'Edelstahl'],
  ['Aluminium', 'Aluminium'],
  ['Bamboo', 'Bambus'],
  ['Glass', 'Glas'],
];
export const SUPPLIER_PREFIXES = [
  'Baltic',
  'Cedar',
  'Delta',
  'Ember',
  'Granite',
  'Harbor',
  'Iron',
  'Juniper',
  'Lumen',
  'Meridian',
] as const;
export const SUPPLIER_SUFFIXES = ['Textiles', 'Works', 'Trading', 'Manufacturing'] as const;
export const SUPPLIER_COUNTRIES = ['DE', 'PL', 'PT', 'IT', 'CN', 'VN', 'TR', 'US'] as const;

function option(code: string, en: string, de: string): AttributeOptionRecord {
  return { code, labels: { 'en-US': en, 'de-DE': de } };
}

function attribute(
  n: number,
  code: string,
  en: string,
  de: string,
  type: AttributeType,
  rest: { unit?: string; localizable?: boolean; options?: AttributeOptionRecord[] } = {},
): AttributeRecord {
  return {
    __typename: 'Attribute',
    id: `Attribute:${n}`,
    code,
    names: { 'en-US': en, 'de-DE': de },
    type,
    unit: rest.unit ?? null,
    localizable: rest.localizable ?? false,
    options: rest.options ?? [],
  };
}

export const ATTRIBUTES: readonly AttributeRecord[] = [
  attribute(1, 'brand', 'Brand', 'Marke', 'OPTION', {
    options: BRANDS.map((b) => option(b.toLowerCase(), b, b)),
  }),
  attribute(2, 'color', 'Colour', 'Farbe', 'OPTION', {
    options: COLORS.map(([c, en, de]) => option(c, en, de)),
  }),
  attribute(3, 'size', 'Size', 'Größe', 'OPTION', {
    options: SIZES.map((s) => option(s.toLowerCase(), s, s)),
  }),
  attribute(4, 'material', 'Material', 'Material', 'TEXT', { localizable: true }),
  attribute(5, 'care', 'Care instructions', 'Pflegehinweise', 'TEXT', { localizable: true }),
  attribute(6, 'warranty_years', 'Warranty', 'Garantie', 'NUMBER', { unit: 'years' }),
  attribute(7, 'power_w', 'Power', 'Leistung', 'NUMBER', { unit: 'W' }),
  attribute(8, 'volume_ml', 'Volume', 'Volumen', 'NUMBER', { unit: 'ml' }),
  attribute(9, 'waterproof', 'Waterproof', 'Wasserdicht', 'BOOLEAN'),
  attribute(10, 'organic', 'Organic', 'Bio', 'BOOLEAN'),
  attribute(11, 'launch_date', 'Launch date', 'Markteinführung', 'DATE'),
];
