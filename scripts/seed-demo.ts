import type { ExecArgs } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules, ProductStatus } from "@medusajs/framework/utils"
import {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  createTaxRegionsWorkflow,
  createUsersWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
  updateStoresWorkflow,
} from "@medusajs/medusa/core-flows"

/**
 * Seeds the demo store idempotently: every run finds what an earlier run made
 * (by name, handle or title) and only creates what is missing. Prints one
 * `CLICK_DEMO_SEED {...}` line that scripts/dev.mjs reads.
 */
export default async function seedDemo({ container }: ExecArgs) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const salesChannelModule = container.resolve(Modules.SALES_CHANNEL)
  const regionModule = container.resolve(Modules.REGION)
  const fulfillmentModule = container.resolve(Modules.FULFILLMENT)
  const stockLocationModule = container.resolve(Modules.STOCK_LOCATION)
  const productModule = container.resolve(Modules.PRODUCT)
  const apiKeyModule = container.resolve(Modules.API_KEY)
  const taxModule = container.resolve(Modules.TAX)
  const storeModule = container.resolve(Modules.STORE)

  let [salesChannel] = await salesChannelModule.listSalesChannels({ name: "Default Sales Channel" })
  if (!salesChannel) {
    const { result } = await createSalesChannelsWorkflow(container).run({
      input: { salesChannelsData: [{ name: "Default Sales Channel" }] },
    })
    salesChannel = result[0]
  }

  const [store] = await storeModule.listStores({}, { relations: ["supported_currencies"] })
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: {
        name: "Click demo store",
        supported_currencies: [{ currency_code: "uzs", is_default: true }],
        default_sales_channel_id: salesChannel.id,
      },
    },
  })

  let [region] = await regionModule.listRegions({ name: "Uzbekistan" })
  if (!region) {
    const { result } = await createRegionsWorkflow(container).run({
      input: {
        regions: [
          {
            name: "Uzbekistan",
            currency_code: "uzs",
            countries: ["uz"],
            // Click only: Medusa's system provider authorizes anything, so it would be a free checkout.
            payment_providers: ["pp_click_click"],
          },
        ],
      },
    })
    region = result[0]
  }

  const taxRegions = await taxModule.listTaxRegions({ country_code: "uz" })
  if (!taxRegions.length) {
    await createTaxRegionsWorkflow(container).run({
      input: [{ country_code: "uz", provider_id: "tp_system" }],
    })
  }

  let [stockLocation] = await stockLocationModule.listStockLocations({ name: "Tashkent warehouse" })
  if (!stockLocation) {
    const { result } = await createStockLocationsWorkflow(container).run({
      input: {
        locations: [
          { name: "Tashkent warehouse", address: { city: "Tashkent", country_code: "UZ", address_1: "" } },
        ],
      },
    })
    stockLocation = result[0]
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: stockLocation.id },
      [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" },
    })
    await linkSalesChannelsToStockLocationWorkflow(container).run({
      input: { id: stockLocation.id, add: [salesChannel.id] },
    })
  }

  let [shippingProfile] = await fulfillmentModule.listShippingProfiles({ type: "default" })
  if (!shippingProfile) {
    const { result } = await createShippingProfilesWorkflow(container).run({
      input: { data: [{ name: "Default Shipping Profile", type: "default" }] },
    })
    shippingProfile = result[0]
  }

  let [fulfillmentSet] = await fulfillmentModule.listFulfillmentSets(
    { name: "Tashkent delivery" },
    { relations: ["service_zones"] }
  )
  if (!fulfillmentSet) {
    fulfillmentSet = await fulfillmentModule.createFulfillmentSets({
      name: "Tashkent delivery",
      type: "shipping",
      service_zones: [{ name: "Uzbekistan", geo_zones: [{ country_code: "uz", type: "country" }] }],
    })
    await link.create({
      [Modules.STOCK_LOCATION]: { stock_location_id: stockLocation.id },
      [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
    })
  }

  const shippingOptions = await fulfillmentModule.listShippingOptions({ name: "Standard delivery" })
  if (!shippingOptions.length) {
    await createShippingOptionsWorkflow(container).run({
      input: [
        {
          name: "Standard delivery",
          price_type: "flat",
          provider_id: "manual_manual",
          service_zone_id: fulfillmentSet.service_zones[0].id,
          shipping_profile_id: shippingProfile.id,
          type: { label: "Standard", description: "Delivery in 2-3 days.", code: "standard" },
          prices: [
            { currency_code: "uzs", amount: 20000 },
            { region_id: region.id, amount: 20000 },
          ],
          rules: [
            { attribute: "enabled_in_store", value: "true", operator: "eq" },
            { attribute: "is_return", value: "false", operator: "eq" },
          ],
        },
      ],
    })
  }

  const [product] = await productModule.listProducts({ handle: "click-demo-tshirt" })
  if (!product) {
    await createProductsWorkflow(container).run({
      input: {
        products: [
          {
            title: "Click demo T-shirt",
            handle: "click-demo-tshirt",
            status: ProductStatus.PUBLISHED,
            shipping_profile_id: shippingProfile.id,
            options: [{ title: "Size", values: ["M"] }],
            variants: [
              {
                title: "M",
                sku: "CLICK-DEMO-TSHIRT-M",
                options: { Size: "M" },
                manage_inventory: false,
                prices: [{ currency_code: "uzs", amount: 38400 }],
              },
            ],
            sales_channels: [{ id: salesChannel.id }],
          },
        ],
      },
    })
  }

  // A product whose stock Medusa counts, so that running out of stock can be tried.
  const [limited] = await productModule.listProducts({ handle: "click-demo-limited-print" })
  if (!limited) {
    const { result } = await createProductsWorkflow(container).run({
      input: {
        products: [
          {
            title: "Click demo limited print",
            handle: "click-demo-limited-print",
            status: ProductStatus.PUBLISHED,
            shipping_profile_id: shippingProfile.id,
            options: [{ title: "Edition", values: ["Numbered"] }],
            variants: [
              {
                title: "Numbered",
                sku: "CLICK-DEMO-PRINT",
                options: { Edition: "Numbered" },
                manage_inventory: true,
                prices: [{ currency_code: "uzs", amount: 125000 }],
              },
            ],
            sales_channels: [{ id: salesChannel.id }],
          },
        ],
      },
    })
    const { data: links } = await query.graph({
      entity: "product_variant_inventory_item",
      fields: ["inventory_item_id"],
      filters: { variant_id: result[0].variants[0].id },
    })
    await createInventoryLevelsWorkflow(container).run({
      input: {
        inventory_levels: [
          { inventory_item_id: links[0].inventory_item_id, location_id: stockLocation.id, stocked_quantity: 100 },
        ],
      },
    })
  }

  let [apiKey] = await apiKeyModule.listApiKeys({ title: "Storefront", type: "publishable" })
  if (!apiKey) {
    const { result } = await createApiKeysWorkflow(container).run({
      input: { api_keys: [{ title: "Storefront", type: "publishable", created_by: "" }] },
    })
    apiKey = result[0]
    await linkSalesChannelsToApiKeyWorkflow(container).run({
      input: { id: apiKey.id, add: [salesChannel.id] },
    })
  }

  const adminEmail = process.env.ADMIN_EMAIL || "admin@example.com"
  await ensureAdminUser(container, adminEmail, process.env.ADMIN_PASSWORD || "supersecret")

  const { data: regions } = await query.graph({
    entity: "region",
    fields: ["id", "payment_providers.id"],
    filters: { id: region.id },
  })
  console.log(
    "CLICK_DEMO_SEED " +
      JSON.stringify({
        publishable_key: apiKey.token,
        region_id: region.id,
        payment_providers: (regions[0]?.payment_providers ?? []).map((p: any) => p.id),
        admin_email: adminEmail,
      })
  )
}

async function ensureAdminUser(container: ExecArgs["container"], email: string, password: string) {
  const userModule = container.resolve(Modules.USER)
  if ((await userModule.listUsers({ email })).length) {
    return
  }
  const { result: users } = await createUsersWorkflow(container).run({ input: { users: [{ email }] } })
  const auth = container.resolve(Modules.AUTH)
  const { authIdentity, error } = await auth.register("emailpass", { body: { email, password } })
  if (error || !authIdentity) {
    throw new Error(`Could not create the admin login for ${email}: ${error}`)
  }
  await auth.updateAuthIdentities({ id: authIdentity.id, app_metadata: { user_id: users[0].id } })
}
