// SPDX-License-Identifier: Apache-2.0
// The official AWS IoT Device SDK for JavaScript v2 (its bundled CRT event-stream client) as an
// independent Greengrass IPC client of defender's fake nucleus. Reads SVCUID and
// AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT like any component.
//   node publish_through_nucleus.js publish <thing> <report file>
//     subscribes to .../accepted, publishes the report twice, waits for two accepted replies
//   node publish_through_nucleus.js unauthorized <thing> <report file>
//     expects the publish to fail with UnauthorizedError
// Prints one line per step; exits 0 when everything happened as expected.
'use strict';
const fs = require('fs');
const { greengrasscoreipc } = require('aws-iot-device-sdk-v2');

const [mode, thing, reportFile] = process.argv.slice(2);
const topic = `$aws/things/${thing}/defender/metrics/json`;
const report = fs.readFileSync(reportFile);
const QOS = greengrasscoreipc.model.QOS;

function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function publishMode(client) {
    const replies = [];
    let wake = () => {};
    const subscription = client.subscribeToIoTCore({ topicName: `${topic}/accepted`, qos: QOS.AT_LEAST_ONCE });
    subscription.on('message', (event) => {
        const message = event.message;
        const payload = Buffer.from(message.payload).toString('utf8');
        console.log(`reply on ${message.topicName}: ${payload}`);
        replies.push(payload);
        wake();
    });
    await withTimeout(subscription.activate(), 10000, 'subscribe');
    console.log('subscribed');
    for (let i = 0; i < 2; ++i) {
        await withTimeout(client.publishToIoTCore({ topicName: topic, qos: QOS.AT_LEAST_ONCE, payload: report }),
                          10000, 'publish');
        console.log('published');
    }
    await withTimeout(new Promise((resolve) => {
        wake = () => { if (replies.length >= 2) resolve(); };
        wake();
    }), 10000, 'two accepted replies');
    await subscription.close();
}

async function unauthorizedMode(client) {
    try {
        await withTimeout(client.publishToIoTCore({ topicName: topic, qos: QOS.AT_MOST_ONCE, payload: report }),
                          10000, 'publish');
    } catch (error) {
        const code = error.serviceError && error.serviceError._errorCode;
        console.log(`refused: ${code}`);
        if (code === 'UnauthorizedError') return;
        throw error;
    }
    throw new Error('the publish was not refused');
}

async function main() {
    const client = greengrasscoreipc.createClient();
    await withTimeout(client.connect(), 10000, 'connect');
    console.log('connected');
    if (mode === 'publish') await publishMode(client);
    else if (mode === 'unauthorized') await unauthorizedMode(client);
    else throw new Error(`unknown mode ${mode}`);
    await client.close();
    console.log('done');
}

main().then(() => process.exit(0), (error) => {
    console.log(`failed: ${error && error.stack ? error.stack : error}`);
    process.exit(1);
});
