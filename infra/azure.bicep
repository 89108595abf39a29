// Azure resources for Strategibot, provisioned by the Microsoft 365 Agents Toolkit
// (m365agents.yml, `arm/deploy`): a user-assigned managed identity (the bot's identity, no
// secret), a Linux App Service running `python -m bot`, and an Azure Bot connected to Teams.
// Optionally (postgres = 'flexible') an Azure Database for PostgreSQL flexible server, with
// the App Service scaled to two instances on it (DATABASE_URL); by default one instance keeps
// its data in TinyDB files on /home/data, which is enough for one municipality.
// The outputs are written to env/.env.<environment>. See docs/deployment.md.

@maxLength(20)
@minLength(4)
@description('Used to name all resources')
param resourceBaseName string

@description('App Service plan SKU; B1 is enough for one municipality area')
param webAppSku string = 'B1'

@maxLength(42)
param botDisplayName string = 'Strategibot'

@description('Comma-separated Entra ID object ids of the administrators (ADMINS)')
param admins string = ''

param timezone string = 'Europe/Copenhagen'
param location string = resourceGroup().location

@allowed(['none', 'flexible'])
@description('none: one instance, TinyDB files on /home/data. flexible: Azure Database for PostgreSQL (flexible server) and the App Service scaled to instanceCount instances.')
param postgres string = 'none'

@minValue(1)
@maxValue(3)
@description('App Service instances when postgres is flexible (one sends reminders, all serve chat)')
param instanceCount int = 2

@description('PostgreSQL administrator login (postgres = flexible)')
param postgresAdminLogin string = 'strategibot'

@secure()
@description('PostgreSQL administrator password (postgres = flexible); from env/.env.<env>.user')
param postgresAdminPassword string = ''

@description('PostgreSQL compute: Burstable B1ms is enough for a few municipalities')
param postgresSku string = 'Standard_B1ms'

var usePostgres = postgres == 'flexible'
var databaseName = 'strategibot'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  location: location
  name: resourceBaseName
}

resource serverfarm 'Microsoft.Web/serverfarms@2021-02-01' = {
  kind: 'app,linux'
  location: location
  name: resourceBaseName
  sku: {
    name: webAppSku
    // TinyDB: one instance only (the data file on /home/data is not shared between instances).
    capacity: usePostgres ? instanceCount : 1
  }
  properties: {
    reserved: true
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = if (usePostgres) {
  name: resourceBaseName
  location: location
  sku: {
    name: postgresSku
    tier: 'Burstable'
  }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: {
      storageSizeGB: 32
    }
    backup: {
      backupRetentionDays: 14
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
  }
}

resource databaseDb 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = if (usePostgres) {
  parent: database
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Public access limited to Azure services (the App Service's outbound addresses); TLS is
// required by the server (sslmode=require below). A VNet with private access is stricter.
resource databaseFirewall 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = if (usePostgres) {
  parent: database
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

var databaseSettings = usePostgres
  ? [
      {
        name: 'DATABASE_URL'
        value: 'postgresql://${uriComponent(postgresAdminLogin)}:${uriComponent(postgresAdminPassword)}@${database.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'
      }
    ]
  : []

resource webApp 'Microsoft.Web/sites@2021-02-01' = {
  kind: 'app,linux'
  location: location
  name: resourceBaseName
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    siteConfig: {
      alwaysOn: true
      linuxFxVersion: 'PYTHON|3.11'
      appCommandLine: 'python -m bot'
      healthCheckPath: '/healthz'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      appSettings: concat([
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
        { name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE', value: 'true' }
        { name: 'WEBSITES_PORT', value: '8000' }
        { name: 'WEBSITES_CONTAINER_START_TIME_LIMIT', value: '900' }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '8000' }
        { name: 'DATA_DIR', value: '/home/data' }
        { name: 'TIMEZONE', value: timezone }
        { name: 'ADMINS', value: admins }
        { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
        { name: 'MicrosoftAppId', value: identity.properties.clientId }
        { name: 'MicrosoftAppTenantId', value: identity.properties.tenantId }
      ], databaseSettings)
    }
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
}

resource botService 'Microsoft.BotService/botServices@2021-03-01' = {
  kind: 'azurebot'
  location: 'global'
  name: resourceBaseName
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: identity.properties.clientId
    msaAppMSIResourceId: identity.id
    msaAppTenantId: identity.properties.tenantId
    msaAppType: 'UserAssignedMSI'
  }
  sku: {
    name: 'F0'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2021-03-01' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
output POSTGRES_SERVER string = usePostgres ? database.properties.fullyQualifiedDomainName : ''

