// Azure resources for Strategibot, provisioned by the Microsoft 365 Agents Toolkit
// (m365agents.yml, `arm/deploy`): a user-assigned managed identity (the bot's identity, no
// secret), a Linux App Service running `python -m bot`, and an Azure Bot connected to Teams.
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
  }
  properties: {
    reserved: true
  }
}

// One instance only: the data file on /home/data is not shared between instances.
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
      appSettings: [
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
      ]
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
