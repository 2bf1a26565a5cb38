// The service on Azure: a Storage account (the models table, the queues, the models and usage containers)
// and two Azure Container Apps running the one image: the web app (HTTPS ingress) and the worker.
// Deploy: see infra/README.md. The API keys are secure parameters, kept as Container Apps secrets.
// Storage takes no shared key: both apps sign in with one user-assigned managed identity (docs/operations.md, Security).

@description('Region of every resource; the resource group\'s by default.')
param location string = resourceGroup().location

@description('Prefix of every resource name: 3 to 11 lower-case letters and digits (the storage account adds 13).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'recsvc'

@description('The service image, e.g. myregistry.azurecr.io/recsvc:1.0.0 (built from the repository\'s Dockerfile).')
param image string

@description('Login server of a private registry holding the image; empty for a public image.')
param registryServer string = ''

@description('User name for the private registry.')
param registryUsername string = ''

@description('Password for the private registry.')
@secure()
param registryPassword string = ''

@description('Admin API key (every route). Use a long random value, e.g. openssl rand -hex 32.')
@secure()
@minLength(16)
param adminPrimaryKey string

@description('Second admin key, for rotation without downtime; empty for none.')
@secure()
param adminSecondaryKey string = ''

@description('Key for the recommend routes only.')
@secure()
@minLength(16)
param recommendPrimaryKey string

@description('Second recommend key, for rotation; empty for none.')
@secure()
param recommendSecondaryKey string = ''

@description('Least level of the JSON log lines.')
@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
  'CRITICAL'
])
param logLevel string = 'INFO'

@description('Fewest and most web app replicas.')
@minValue(1)
param webMinReplicas int = 1
@minValue(1)
param webMaxReplicas int = 3

@description('Most worker replicas; more start while train messages wait.')
@minValue(1)
param workerMaxReplicas int = 3

var storageAccountName = '${namePrefix}${uniqueString(resourceGroup().id)}'
var modelsTable = 'models'
var modelsContainer = 'models'
var trainQueue = 'train-models'
var deleteQueue = 'delete-models'
var apiPort = 8000
var opsPort = 9100

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // Entra ID only: no account key can read or write, nor sign a SAS
    defaultToOAuthAuthentication: true
    accessTier: 'Hot'
  }
}

// The identity of both apps. One identity, as both run the same start-up (creating the table, queues and models
// container when missing) and the web app needs no more than the worker.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-identity'
  location: location
}

// Data roles on this account only (it holds the service's data and nothing else): blobs (models, usage in any
// container a model names, the worker's leases; user delegation keys for the Dask SAS), queues, the models table.
var storageDataRoles = [
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageDataRoles: {
  name: guid(storage.id, identity.id, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}]

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in [
  modelsContainer
  'usage'
]: {
  parent: blobService
  name: name
  properties: {
    publicAccess: 'None'
  }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for name in [
  trainQueue
  deleteQueue
  '${trainQueue}-poison'
  '${deleteQueue}-poison'
]: {
  parent: queueService
  name: name
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource table 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: modelsTable
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

// Secrets of the apps; the optional ones only when given (a secret cannot be empty). No storage secret: the identity.
var registrySecrets = empty(registryServer) ? [] : [
  {
    name: 'registry-password'
    value: registryPassword
  }
]
var keySecrets = concat([
  {
    name: 'admin-primary-key'
    value: adminPrimaryKey
  }
  {
    name: 'recommend-primary-key'
    value: recommendPrimaryKey
  }
], empty(adminSecondaryKey) ? [] : [
  {
    name: 'admin-secondary-key'
    value: adminSecondaryKey
  }
], empty(recommendSecondaryKey) ? [] : [
  {
    name: 'recommend-secondary-key'
    value: recommendSecondaryKey
  }
])
var keyEnv = concat([
  {
    name: 'ADMIN_PRIMARY_KEY'
    secretRef: 'admin-primary-key'
  }
  {
    name: 'RECOMMEND_PRIMARY_KEY'
    secretRef: 'recommend-primary-key'
  }
], empty(adminSecondaryKey) ? [] : [
  {
    name: 'ADMIN_SECONDARY_KEY'
    secretRef: 'admin-secondary-key'
  }
], empty(recommendSecondaryKey) ? [] : [
  {
    name: 'RECOMMEND_SECONDARY_KEY'
    secretRef: 'recommend-secondary-key'
  }
])
var appIdentity = {
  type: 'UserAssigned'
  userAssignedIdentities: {
    '${identity.id}': {}
  }
}
var commonEnv = [
  {
    name: 'AZURE_STORAGE_ACCOUNT_NAME'
    value: storage.name
  }
  {
    name: 'AZURE_STORAGE_ENDPOINT_SUFFIX'
    value: environment().suffixes.storage
  }
  {
    name: 'AZURE_CLIENT_ID'
    value: identity.properties.clientId
  }
  {
    name: 'LOG_LEVEL'
    value: logLevel
  }
  {
    name: 'METRICS_PORT'
    value: string(opsPort)
  }
  {
    name: 'METRICS_HOST'
    value: '0.0.0.0'
  }
]
var registries = empty(registryServer) ? [] : [
  {
    server: registryServer
    username: registryUsername
    passwordSecretRef: 'registry-password'
  }
]

resource webapp 'Microsoft.App/containerApps@2025-01-01' = {
  name: '${namePrefix}-web'
  location: location
  identity: appIdentity
  properties: {
    managedEnvironmentId: appEnvironment.id
    configuration: {
      secrets: concat(registrySecrets, keySecrets)
      registries: registries
      ingress: {
        external: true
        targetPort: apiPort
        transport: 'auto'
        allowInsecure: false // HTTPS only: plain HTTP is redirected
        // The ops port (/metrics) is reachable from inside the environment only.
        additionalPortMappings: [
          {
            external: false
            targetPort: opsPort
          }
        ]
      }
    }
    template: {
      containers: [
        {
          name: 'webapp'
          image: image
          env: concat(commonEnv, keyEnv, [
            {
              name: 'GUNICORN_BIND'
              value: '0.0.0.0:${apiPort}'
            }
          ])
          resources: {
            cpu: json('1.0')
            memory: '2Gi'
          }
          probes: [
            {
              type: 'Startup'
              httpGet: {
                path: '/health/live'
                port: apiPort
              }
              periodSeconds: 5
              failureThreshold: 24
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/health/live'
                port: apiPort
              }
              periodSeconds: 15
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/health/ready'
                port: apiPort
              }
              periodSeconds: 10
              timeoutSeconds: 5
            }
          ]
        }
      ]
      scale: {
        minReplicas: webMinReplicas
        maxReplicas: webMaxReplicas
        rules: [
          {
            name: 'http'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
  dependsOn: [
    containers
    queues
    table
    storageRoleAssignments // the first start creates what is missing, as the identity
  ]
}

resource worker 'Microsoft.App/containerApps@2025-01-01' = {
  name: '${namePrefix}-worker'
  location: location
  identity: appIdentity
  properties: {
    managedEnvironmentId: appEnvironment.id
    configuration: {
      secrets: registrySecrets
      registries: registries
      // No public endpoint: the ops port only, inside the environment.
      ingress: {
        external: false
        targetPort: opsPort
        transport: 'http'
      }
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: image
          command: [
            'python'
            '-m'
            'webjob'
          ]
          env: commonEnv
          resources: {
            cpu: json('2.0')
            memory: '4Gi'
          }
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/health/live'
                port: opsPort
              }
              initialDelaySeconds: 30
              periodSeconds: 15
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/health/ready'
                port: opsPort
              }
              periodSeconds: 10
              timeoutSeconds: 5
            }
          ]
        }
      ]
      scale: {
        minReplicas: 1 // delete messages and a first training are handled without waiting for a scale-out
        maxReplicas: workerMaxReplicas
        rules: [
          {
            name: 'train-queue'
            azureQueue: {
              accountName: storage.name
              queueName: trainQueue
              queueLength: 1
              identity: identity.id // the scaler reads the queue length as the app's identity, with no key
            }
          }
        ]
      }
    }
  }
  dependsOn: [
    containers
    queues
    table
    storageRoleAssignments // the first start creates what is missing, as the identity
  ]
}

@description('The API\'s HTTPS address.')
output apiUrl string = 'https://${webapp.properties.configuration.ingress.fqdn}'

@description('The storage account: upload usage files to its `usage` container.')
output storageAccountName string = storage.name
